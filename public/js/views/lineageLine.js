// One image's line for the lineage view at any fleet size: the shared stacks
// and ancestors above it, its siblings (a page at a time) and its children;
// any node with more under it gets a "+" node that loads them on demand.
// Every request is bounded: nothing here pages through all images.
import { gql } from '../api.js';
import { asOf } from '../time.js';
import { accounting } from '../settings.js';

const SIBLINGS = 12;
const N = 'imageId repoTags size(accounting: $acct) uniqueSize(accounting: $acct) layers { index } children { imageId }';
const C = 'chainId depth size(accounting: $acct) imageCount distribution image { imageId }';

const LINE = `query Line($ref: String!, $asOf: Int, $acct: SizeAccounting, $first: Int!) {
  image(ref: $ref, asOf: $asOf) {
    ${N}
    base { imageId }
    ancestors { ${N} baseChain { ${C} parent { ${C} parent { ${C} parent { ${C} parent { ${C} } } } } } }
    baseChain { ${C} parent { ${C} parent { ${C} parent { ${C} parent { ${C} } } } }
      images(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${N} parent { imageId } } } } }
    parent { imageId children { ${N} } }
  }
}`;
const KIDS = `query Kids($ref: String!, $asOf: Int, $acct: SizeAccounting) { image(ref: $ref, asOf: $asOf) { imageId children { ${N} } } }`;
const STACK = `query StackImages($ref: String!, $asOf: Int, $acct: SizeAccounting, $first: Int!, $after: String) {
  image(ref: $ref, asOf: $asOf) { baseChain { chainId images(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ${N} parent { imageId } } } } } }
}`;

const imageNodeOf = (n) => ({ ...n, key: n.imageId, kids: [], up: null });
const stackNodeOf = (c) => ({ ...c, key: c.chainId, stack: true, kids: [], up: null });
const chainList = (c) => { const out = []; for (let x = c; x; x = x.parent) out.push(x); return out; };

/** The line of `ref`, as a tree of nodes for drawGraph; null when there is no such image. */
export async function lineOf(ref) {
  const vars = { ref, asOf: asOf(), acct: accounting() };
  const img = (await gql(LINE, { ...vars, first: SIBLINGS })).image;
  if (!img) return null;
  const nodes = new Map();
  const put = (n) => { if (!nodes.has(n.key)) nodes.set(n.key, n); return nodes.get(n.key); };
  const hang = (kid, up) => { if (kid.up || kid === up) return; kid.up = up; up.kids.push(kid); };
  const selected = put(imageNodeOf(img));
  // The line: stacks above the topmost ancestor, then the ancestors (base first), then the image.
  const ancestors = [...img.ancestors].reverse().map((a) => put(imageNodeOf(a)));
  const top = img.ancestors.length ? img.ancestors[img.ancestors.length - 1] : img;
  const stacks = chainList(top.baseChain).filter((c) => !c.image || c.image.imageId !== top.imageId).reverse()
    .map((c) => (c.image ? put(imageNodeOf({ imageId: c.image.imageId, repoTags: [], size: c.size, uniqueSize: 0, layers: [], children: [] })) : put(stackNodeOf(c))));
  const line = [...stacks, ...ancestors, selected];
  for (let k = 1; k < line.length; k++) hang(line[k], line[k - 1]);
  const up = line.length > 1 ? line[line.length - 2] : null;

  // Children of the image, each expandable further.
  const addChildren = (parentNode, children) => {
    for (const c of children) {
      const n = put(imageNodeOf(c));
      hang(n, parentNode);
      if (c.children.length && !n.loaded) addExpander(n, `${c.children.length} image${c.children.length === 1 ? '' : 's'} built on ${c.repoTags[0] ?? c.imageId.slice(7, 19)}`, async () => {
        const d = (await gql(KIDS, { ...vars, ref: c.imageId })).image;
        n.loaded = true;
        addChildren(n, d.children);
      });
    }
  };
  const expanders = new Map();
  function addExpander(parentNode, label, load) {
    const key = `more:${parentNode.key}`;
    const x = { key, expander: true, label, expandsKey: parentNode.key, kids: [], up: null };
    x.expand = async () => {
      parentNode.kids = parentNode.kids.filter((k) => k !== x);
      expanders.delete(key);
      await load();
    };
    expanders.set(key, x);
    hang(x, parentNode);
  }
  selected.loaded = true;
  addChildren(selected, img.children);

  // Siblings: the parent's other children, or the other images on the shared stack, a page at a time.
  if (up && img.parent) {
    const others = img.parent.children.filter((c) => c.imageId !== img.imageId);
    let shown = 0;
    const page = async () => {
      addChildren(up, others.slice(shown, shown + SIBLINGS));
      shown += SIBLINGS;
      if (shown < others.length) addExpander(up, `${others.length - shown} more sibling${others.length - shown === 1 ? '' : 's'}`, page);
    };
    await page();
  } else if (up && up.stack && img.baseChain?.images) {
    const onStack = async (conn) => {
      // Images on the stack whose parent is a known image hang under that image instead: only direct ones here.
      addChildren(up, conn.edges.map((e) => e.node).filter((n) => n.imageId !== img.imageId && !n.parent));
      if (conn.pageInfo.hasNextPage) {
        addExpander(up, `more images on this stack (${conn.totalCount} in all)`, async () => {
          const d = (await gql(STACK, { ...vars, first: SIBLINGS * 4, after: conn.pageInfo.endCursor })).image.baseChain.images;
          await onStack(d);
        });
      }
    };
    await onStack(img.baseChain.images);
  }
  const roots = [line[0]];
  const baseId = img.base?.imageId ?? null;
  return {
    roots, selected: img, lineLength: line.length - 1,
    isBase: new Set(baseId ? [baseId] : []),
    shownImages: () => [...nodes.values()].filter((n) => !n.stack && !n.expander).length,
  };
}
