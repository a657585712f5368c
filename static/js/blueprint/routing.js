// Link arrows routed around the cards, as the drawn diagram routes them (blueprints/layout.py):
// a link leaves its card by a side, runs down the gutter between two columns, along at most one
// corridor between two rows and down another gutter, and enters its target by a side, so it
// never crosses a card but its own two. Cards stacked in one column with nothing between them
// get a straight line. Links sharing a gutter or a corridor get parallel tracks; links whose
// stretches do not overlap share one.
//
// Pure: boxes in, path data out (board.js reads the boxes from the page and writes the paths).
// Sorting by track and port keeps it O(links · log links) but for very busy gutters, where the
// ordering that saves crossings is skipped.

const TRACK = 5; // between parallel tracks, when the gutter is wide enough
const PORT = 10; // between links leaving or entering one side of a card
const CORNER = 5; // radius of a bend
const MOST_TO_ORDER = 150; // stretches in one gutter beyond which they keep their first-come tracks

// `links`: [{id, a, b, straight}] with `a` (source) and `b` (target) boxes
// {left, top, right, bottom, col, row}; `straight`: nothing but the gap between them in their
// column. `grid`: {gutters: [{left, right}] (one more than the columns; gutter c is left of
// column c), corridors: [{top, bottom}] (one more than the rows; corridor r is above row r)}.
// Answers Map(id → {d, points}).
export function routeLinks(links, grid) {
  const routes = links.map((link) => plan(link, grid));
  corridorTracks(routes, grid);
  assignPorts(routes);
  gutterTracks(routes, grid);
  const paths = new Map();
  for (const route of routes) {
    const points = pointsOf(route);
    paths.set(route.id, { d: pathData(points), points });
  }
  return paths;
}

function plan({ id, a, b, straight }, grid) {
  const route = { id, a, b, gutters: [], corridor: null, out: "e", in: "e", tracks: [], ya: 0, yb: 0, yc: 0 };
  if (a.col === b.col) {
    if (straight) {
      const down = b.top >= a.bottom;
      return { ...route, out: down ? "s" : "n", in: down ? "n" : "s" };
    }
    // Round the right of the column, out and back in.
    return { ...route, gutters: [a.col + 1] };
  }
  const forward = b.col > a.col;
  route.out = forward ? "e" : "w";
  route.in = forward ? "w" : "e";
  const [first, second] = forward ? [a.col + 1, b.col] : [a.col, b.col + 1];
  route.gutters = first === second ? [first] : [first, second];
  if (route.gutters.length === 2) {
    const rows = grid.corridors.length - 1;
    // The corridor above the lower of the two rows: between them, nearest both. In one row,
    // the one above it (below it for the first row, whose top has no room).
    let corridor = a.row === b.row ? a.row : Math.max(a.row, b.row);
    if (a.row === b.row && corridor === 0) corridor = Math.min(1, rows);
    route.corridor = corridor;
  }
  return route;
}

const middle = (low, high) => (low + high) / 2;

// Links leaving or entering one side of a card are spread along it, in the order of where
// their other ends lie, so that they do not cross on the way.
function assignPorts(routes) {
  const sides = new Map();
  const add = (box, side, route, end) => {
    const key = `${box.left},${box.top},${side}`;
    if (!sides.has(key)) sides.set(key, { box, side, ends: [] });
    sides.get(key).ends.push({ route, end });
  };
  for (const route of routes) {
    add(route.a, route.out, route, "a");
    add(route.b, route.in, route, "b");
  }
  for (const { box, side, ends } of sides.values()) {
    const vertical = side === "e" || side === "w";
    const towards = ({ route, end }) => {
      const other = end === "a" ? route.b : route.a;
      if (vertical) return route.corridor === null ? middle(other.top, other.bottom) : route.yc;
      return middle(other.left, other.right);
    };
    ends.sort((x, y) => towards(x) - towards(y) || x.route.id - y.route.id);
    const n = ends.length;
    const [low, high] = vertical ? [box.top, box.bottom] : [box.left, box.right];
    const room = Math.max(0, high - low - 16);
    const step = n > 1 ? Math.min(PORT, room / (n - 1)) : 0;
    ends.forEach(({ route, end }, i) => {
      const at = middle(low, high) + (i - (n - 1) / 2) * step;
      route[end === "a" ? "ya" : "yb"] = at; // a y on e/w sides, an x on n/s sides
    });
  }
}

// Spread `count` tracks across [low, high], centred, at most TRACK apart.
function spread(low, high, count) {
  const step = count > 1 ? Math.min(TRACK, Math.max(0, high - low - 4) / (count - 1)) : 0;
  return (track) => middle(low, high) + (track - (count - 1) / 2) * step;
}

// Greedy interval colouring, in the given order: each stretch takes the first track after
// those of the earlier stretches it overlaps (or comes within `gap` of). Answers the number
// of tracks.
function stack(stretches, busy, gap) {
  if (stretches.length > busy) {
    // Many: first come, first served by where they start (a sweep, no ordering).
    const ends = [];
    for (const stretch of [...stretches].sort((x, y) => x.low - y.low)) {
      let track = ends.findIndex((end) => end + gap < stretch.low);
      if (track === -1) track = ends.push(stretch.high) - 1;
      else ends[track] = stretch.high;
      stretch.track = track;
    }
    return ends.length;
  }
  let count = 0;
  stretches.forEach((stretch, i) => {
    let track = 0;
    for (const other of stretches.slice(0, i)) {
      if (other.low <= stretch.high + gap && stretch.low <= other.high + gap) track = Math.max(track, other.track + 1);
    }
    stretch.track = track;
    count = Math.max(count, track + 1);
  });
  return count;
}

function corridorTracks(routes, grid) {
  const byCorridor = new Map();
  for (const route of routes) {
    if (route.corridor === null) continue;
    const [low, high] = [Math.min(...route.gutters), Math.max(...route.gutters)];
    if (!byCorridor.has(route.corridor)) byCorridor.set(route.corridor, []);
    // Stretches ending in one gutter do not share a track: they would meet there.
    byCorridor.get(route.corridor).push({ low, high: high + 0.5, route });
  }
  for (const [corridor, stretches] of byCorridor) {
    stretches.sort((x, y) => x.high - x.low - (y.high - y.low) || x.low - y.low);
    const count = stack(stretches, MOST_TO_ORDER, 0);
    const { top, bottom } = grid.corridors[corridor];
    const at = spread(top, bottom, count);
    for (const stretch of stretches) stretch.route.yc = at(stretch.track);
  }
}

function gutterTracks(routes, grid) {
  const byGutter = new Map();
  const add = (gutter, low, high, route, turns) => {
    if (!byGutter.has(gutter)) byGutter.set(gutter, []);
    byGutter.get(gutter).push({ low: Math.min(low, high), high: Math.max(low, high), route, gutter, turns });
  };
  for (const route of routes) {
    const [g1, g2] = [route.gutters[0], route.gutters.at(-1)];
    // Which way each end turns off the gutter: towards a card on its right (+1) or left (−1).
    const turn = (side) => (side === "w" ? 1 : -1);
    if (route.gutters.length === 1) {
      add(g1, route.ya, route.yb, route, turn(route.out) + turn(route.in));
    } else if (route.gutters.length === 2) {
      add(g1, route.ya, route.yc, route, turn(route.out) + (g2 > g1 ? 1 : -1));
      add(g2, route.yc, route.yb, route, turn(route.in) + (g1 > g2 ? 1 : -1));
    }
  }
  for (const [gutter, stretches] of byGutter) {
    // Left first: the stretches turning off to the left at both ends, hugging their column.
    stretches.sort((x, y) => x.turns - y.turns || x.high - x.low - (y.high - y.low) || x.low - y.low);
    const count = stack(stretches, MOST_TO_ORDER, 3);
    const { left, right } = grid.gutters[gutter];
    const at = spread(left, right, count);
    for (const stretch of stretches) stretch.route.tracks[stretch.route.gutters.indexOf(gutter)] = at(stretch.track);
  }
}

function sideX(box, side) {
  return side === "e" ? box.right : box.left;
}

function pointsOf(route) {
  const { a, b } = route;
  if (!route.gutters.length) {
    // Straight down (or up), where the two cards overlap.
    const x = middle(Math.max(a.left, b.left), Math.min(a.right, b.right));
    // Beside the other straight links between the same two cards, if there are any.
    const offset = middle(route.ya - middle(a.left, a.right), route.yb - middle(b.left, b.right));
    const down = route.out === "s";
    return [
      [x + offset, down ? a.bottom : a.top],
      [x + offset, down ? b.top : b.bottom],
    ];
  }
  const [x1, x2] = [route.tracks[0], route.tracks.at(-1)];
  const points = [[sideX(a, route.out), route.ya], [x1, route.ya]];
  if (route.gutters.length === 2) points.push([x1, route.yc], [x2, route.yc]);
  points.push([x2, route.yb], [sideX(b, route.in), route.yb]);
  return points;
}

const num = (value) => String(Math.round(value * 10) / 10);
const point = ([x, y]) => `${num(x)},${num(y)}`;

// A polyline with its bends rounded: "M a L b Q corner c L d …" (every point in order is on
// the polyline or is its corner).
function pathData(points) {
  const kept = points.filter((p, i) => i === 0 || Math.hypot(p[0] - points[i - 1][0], p[1] - points[i - 1][1]) > 0.05);
  let d = `M${point(kept[0])}`;
  for (let i = 1; i < kept.length; i++) {
    const [p, corner, next] = [kept[i - 1], kept[i], kept[i + 1]];
    if (!next) {
      d += ` L${point(corner)}`;
      break;
    }
    const into = Math.hypot(corner[0] - p[0], corner[1] - p[1]);
    const out = Math.hypot(next[0] - corner[0], next[1] - corner[1]);
    const r = Math.min(CORNER, into / 2, out / 2);
    const before = [corner[0] - ((corner[0] - p[0]) / into) * r, corner[1] - ((corner[1] - p[1]) / into) * r];
    const after = [corner[0] + ((next[0] - corner[0]) / out) * r, corner[1] + ((next[1] - corner[1]) / out) * r];
    d += ` L${point(before)} Q${point(corner)} ${point(after)}`;
  }
  return d;
}
