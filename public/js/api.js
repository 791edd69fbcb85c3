// The dashboard's only data source: the public GraphQL API over HTTP, and its
// graphql-ws subscriptions over a WebSocket on the same path.

const ENDPOINT = '/graphql';
const TOKEN_KEY = 'strata.readToken';

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY) ?? ''; } catch { return ''; }
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lives for this page only */ }
  tokenListeners.forEach((fn) => fn(token));
}

const tokenListeners = new Set();
export const onTokenChange = (fn) => tokenListeners.add(fn);

function authHeader() {
  const t = getToken();
  return t ? `Bearer ${t}` : undefined;
}

/** A failed operation: the GraphQL errors, each with its extensions.code. */
export class ApiError extends Error {
  constructor(errors, status) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
    this.name = 'ApiError';
    this.errors = errors;
    this.status = status;
    this.code = errors[0]?.extensions?.code ?? (status ? `HTTP_${status}` : 'NETWORK_ERROR');
  }
}

/** Runs a query; resolves with data, rejects with ApiError. */
export async function gql(query, variables = {}) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  const auth = authHeader();
  if (auth) headers.authorization = auth;
  let res;
  try {
    res = await fetch(ENDPOINT, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch (e) {
    throw new ApiError([{ message: `Cannot reach the server (${e.message})`, extensions: { code: 'NETWORK_ERROR' } }], 0);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError([{ message: `Unexpected response (HTTP ${res.status})`, extensions: { code: `HTTP_${res.status}` } }], res.status);
  }
  if (body.errors?.length) throw new ApiError(body.errors, res.status);
  if (!res.ok) throw new ApiError([], res.status);
  return body.data;
}

/** Every node of a connection field, following endCursor (pages of `pageSize`). */
export async function gqlAll(query, variables, pick, pageSize = 1000, max = 20000) {
  const nodes = [];
  let after = null;
  for (;;) {
    const data = await gql(query, { ...variables, first: pageSize, after });
    const conn = pick(data);
    nodes.push(...conn.edges.map((e) => e.node));
    if (!conn.pageInfo.hasNextPage || nodes.length >= max) return { nodes, totalCount: conn.totalCount };
    after = conn.pageInfo.endCursor;
  }
}

/**
 * A subscription over the graphql-ws protocol ("graphql-transport-ws"):
 * connection_init {authorization} → connection_ack, subscribe, next…, complete.
 * Reconnects with backoff; onStatus gets 'connecting' | 'live' | 'closed' | 'error'.
 * Returns a function that stops it.
 */
export function subscribe(query, variables, { onNext, onError, onStatus }) {
  let ws = null;
  let stopped = false;
  let attempt = 0;
  let timer = null;
  const id = '1';
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ENDPOINT}`;

  const connect = () => {
    onStatus?.('connecting');
    ws = new WebSocket(url, 'graphql-transport-ws');
    ws.addEventListener('open', () => {
      const payload = {};
      const auth = authHeader();
      if (auth) payload.authorization = auth;
      ws.send(JSON.stringify({ type: 'connection_init', payload }));
    });
    ws.addEventListener('message', (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      switch (msg.type) {
        case 'connection_ack':
          attempt = 0;
          ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
          onStatus?.('live');
          break;
        case 'ping':
          ws.send(JSON.stringify({ type: 'pong' }));
          break;
        case 'next':
          if (msg.payload?.errors?.length) onError?.(new ApiError(msg.payload.errors));
          else onNext(msg.payload.data);
          break;
        case 'error':
          // Refused operations (auth, validation) do not get better by retrying.
          stopped = true;
          onError?.(new ApiError(Array.isArray(msg.payload) ? msg.payload : [msg.payload]));
          onStatus?.('error');
          ws.close(1000);
          break;
        case 'complete':
          onStatus?.('closed');
          break;
      }
    });
    ws.addEventListener('close', (ev) => {
      if (stopped) return;
      if (ev.code === 4403 || ev.code === 4401) {
        onError?.(new ApiError([{ message: ev.reason || 'Forbidden', extensions: { code: 'UNAUTHENTICATED' } }]));
        onStatus?.('error');
        return;
      }
      onStatus?.('connecting');
      const delay = Math.min(10_000, 500 * 2 ** attempt++);
      timer = setTimeout(connect, delay);
    });
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (ws && ws.readyState <= 1) {
      if (ws.readyState === 1) ws.send(JSON.stringify({ id, type: 'complete' }));
      ws.close(1000);
    }
    onStatus?.('closed');
  };
}
