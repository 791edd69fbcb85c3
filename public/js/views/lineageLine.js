// One image's line for the lineage view at any fleet size: the shared stacks
// (and the known images standing for them) above it, its siblings on the same
// stack and its children, a page at a time; any node with more under it gets
// a "+" node that loads them on demand. Images hang where the whole graph
// hangs them (lineage.js): under their base chain's image or unnamed stack,
// else under their parent. Every request is bounded: nothing pages through
// all images, and a base with thousands of children costs one list of IDs.
import { gql } from '../api.js';
import { asOf } from '../time.js';
import { accounting } from '../settings.js';

const PAGE = 12;
const N = 'imageId repoTags size(accounting: $acct) uniqueSize(accounting: $acct) layers { index } baseChain { chainId }';
const C = 'chainId depth size(accounting: $acct) imageCount distribution image { imageId repoTags layers { index } }';

const LINE = `query Line($ref: String!, $asOf: Int, $acct: SizeAccounting, $first: Int!) {
  image(ref: $ref, asOf: $asOf) {
    ${N}
    base { imageId }
    children { imageId }
    ancestors { ${N} }
    baseChain { ${C} parent { ${C} parent { ${C} parent { ${C} parent { ${C} parent { ${C} } } } } }
      images(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${N} children { imageId } } } } }
    parent { imageId children { imageId } }
  }
}`;
const STACK = `query StackImages($ref: String!, $asOf: Int, $acct: SizeAccounting, $first: Int!, $after: String) {
  image(ref: $ref, asOf: $asOf) { baseChain { chainId images(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ${N} children { imageId } } } } } }
}`;
/** A page of images by ID, in one request (aliases). */
const detailsQuery = (n) => `query Images(${Array.from({ length: n }, (_, k) => `$r${k}: String!`).join(', ')}, $asOf: Int, $acct: SizeAccounting) {
  ${Array.from({ length: n }, (_, k) => `i${k}: image(ref: $r${k}, asOf: $asOf) { ${N} children { imageId } }`).join('\n  ')}
}`;

const imageNodeOf = (n) => ({ layers: [], repoTags: [], size: 0, uniqueSize: 0, ...n, key: n.imageId, kids: [], up: null });
const stackNodeOf = (c) => ({ ...c, key: c.chainId, stack: true, kids: [], up: null });
const chainList = (c) => { const out = []; for (let x = c; x; x = x.parent) out.push(x); return out; };
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The line of `ref`, as a tree of nodes for drawGraph; null when there is no such image. */
export async function lineOf(ref) {
  const vars = { asOf: asOf(), acct: accounting() };
  const img = (await gql(LINE, { ...vars, ref, first: PAGE })).image;
  if (!img) return null;
  const nodes = new Map();
  const put = (n) => { if (!nodes.has(n.key)) nodes.set(n.key, n); return nodes.get(n.key); };
  const hang = (kid, up) => { if (kid.up || kid === up) return; kid.up = up; up.kids.push(kid); };
  const selected = put(imageNodeOf(img));

  // Above: the image's shared stacks, bottom first (each drawn as its known image, else as a stack); else its ancestors.
  // An unnamed stack whose only successor is another unnamed stack with the same images (a runtime's
  // intermediate layers) is passed through, as in the whole graph: each drawn stack branches or carries images.
  const chains = chainList(img.baseChain).reverse()
    .filter((c, k, all) => c.image || !all[k + 1] || all[k + 1].image || all[k + 1].imageCount !== c.imageCount);
  const above = chains.length
    ? chains.map((c) => (c.image ? put(imageNodeOf({ ...c.image, size: c.size })) : put(stackNodeOf(c))))
    : [...img.ancestors].reverse().map((a) => put(imageNodeOf(a)));
  const line = [...above, selected];
  for (let k = 1; k < line.length; k++) hang(line[k], line[k - 1]);
  const up = line.length > 1 ? line[line.length - 2] : null;

  function addExpander(parentNode, label, load) {
    const x = { key: `more:${parentNode.key}`, expander: true, label, expandsKey: parentNode.key, kids: [], up: null };
    x.expand = async () => { parentNode.kids = parentNode.kids.filter((k) => k !== x); await load(); };
    hang(x, parentNode);
  }
  /** Hangs images (with their children's IDs) under a node; each with children can expand. */
  const addImages = (parentNode, list) => {
    for (const c of list) {
      if (nodes.has(c.imageId)) continue;
      const n = put(imageNodeOf(c));
      hang(n, parentNode);
      if (c.children.length) addExpander(n, `${plural(c.children.length, 'image')} built on it`, () => pageOfIds(n, c.children.map((x) => x.imageId)));
    }
  };
  /** Loads IDs a page at a time, with a "+" for the rest. */
  async function pageOfIds(parentNode, ids) {
    const todo = ids.filter((id) => !nodes.has(id));
    const page = todo.slice(0, PAGE);
    if (page.length) {
      const d = await gql(detailsQuery(page.length), { ...vars, ...Object.fromEntries(page.map((id, k) => [`r${k}`, id])) });
      addImages(parentNode, page.map((_, k) => d[`i${k}`]).filter(Boolean));
    }
    const rest = todo.slice(PAGE);
    if (rest.length) addExpander(parentNode, `${plural(rest.length, 'more image')}`, () => pageOfIds(parentNode, rest));
  }

  // Below: the image's children, a page at a time.
  await pageOfIds(selected, img.children.map((c) => c.imageId));

  // Beside: the other images on the same stack (those that hang on it directly), or the parent's other children.
  if (img.baseChain && up) {
    const own = img.baseChain.chainId;
    const onStack = async (conn) => {
      addImages(up, conn.edges.map((e) => e.node).filter((n) => n.baseChain?.chainId === own));
      if (conn.pageInfo.hasNextPage) {
        addExpander(up, `more images on this stack (${conn.totalCount} built on it)`, async () => {
          const d = (await gql(STACK, { ...vars, ref: img.imageId, first: PAGE * 4, after: conn.pageInfo.endCursor })).image.baseChain.images;
          await onStack(d);
        });
      }
    };
    await onStack(img.baseChain.images);
  } else if (img.parent && up) {
    await pageOfIds(up, img.parent.children.map((c) => c.imageId).filter((id) => id !== img.imageId));
  }
  return {
    roots: [line[0]], selected: img, lineLength: line.length - 1,
    isBase: new Set(img.base ? [img.base.imageId] : []),
    shownImages: () => [...nodes.values()].filter((n) => !n.stack && !n.expander).length,
  };
}
