// GraphiQL for Strata (served at /graphql to a browser). Reads work as they
// are; the token saved in the dashboard's header (same origin, same storage
// key) is sent as Authorization: Bearer, so the write token there allows mutations.
(function () {
  'use strict';
  var TOKEN_KEY = 'strata.readToken';
  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint');

  function savedToken() {
    try { return localStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }

  function fetcher(params, options) {
    var headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    var token = savedToken();
    if (token) headers.authorization = 'Bearer ' + token;
    // Headers typed in GraphiQL's own editor win (e.g. another token).
    var typed = (options && options.headers) || {};
    Object.keys(typed).forEach(function (k) { headers[k.toLowerCase()] = typed[k]; });
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params) })
      .then(function (res) { return res.json(); });
  }

  var defaultQuery = [
    '# Strata: reads are open; mutations use the token saved in the dashboard header (/).',
    '{',
    '  head',
    '  images(first: 10) { totalCount edges { node { imageId repoTags size } } }',
    '}',
    '',
  ].join('\n');

  // /graphql?query=… opens with that operation (a link can carry one).
  var params = new URLSearchParams(location.search);
  var props = { fetcher: fetcher, defaultQuery: defaultQuery };
  if (params.get('query')) props.query = params.get('query');
  if (params.get('variables')) props.variables = params.get('variables');
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
