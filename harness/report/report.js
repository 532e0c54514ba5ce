// Draws a faultline run report from the JSON in #report-data (see report-data.ts for its shape):
// header and verdict, checkers, the op timeline (canvas, one lane per client thread) and the
// throughput, latency and sibling plots (uPlot) on one shared, zoomable time axis with the faults
// and the counterexamples marked, the linearization view, final reads, the counterexamples with
// the ops around them, the faults, the test and the run's files. Layout only: every number is
// computed before. Text goes in through textContent, never as HTML. A part that fails to draw
// shows its error and the rest of the page still draws. Every view carries `data-view`.
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  performance.mark("faultline:data-parsed");
  const root = document.getElementById("report");

  const OUTCOMES = ["ok", "fail", "info", "pending"];
  const OUTCOME_COLOR = data.palette.outcomes;
  const F_COLOR = data.palette.fs;
  const NEUTRAL = "#6e7781";
  const windowFoci = new Set(data.windows.map((w) => w.focus));

  // ---- DOM and number helpers -------------------------------------------------------------

  /** el("td", {class: "x"}, "text", child…): an element; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "style") Object.assign(node.style, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Number.POSITIVE_INFINITY)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const verdictWord = (v) => (v === true ? "valid" : v === false ? "INVALID" : "unknown");
  const verdictClass = (v) => (v === true ? "valid" : v === false ? "invalid" : "unknown");
  const pill = (v) => el("span", { class: `pill ${verdictClass(v)}` }, verdictWord(v));

  /** A count or measure: integers with separators, others to 3 significant digits or more. */
  function num(value) {
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    const abs = Math.abs(value);
    return abs >= 100 ? value.toFixed(1) : abs >= 1 ? value.toFixed(2) : value.toPrecision(3);
  }

  /** A time since the test started, to the millisecond however long the run ("2201.345 s"). */
  const secs = (s) => `${s.toFixed(3)} s`;
  /** The same to the microsecond, for one op. */
  const secsFine = (s) => `${s.toFixed(6)} s`;
  const plural = (n, word, many) => `${num(n)} ${n === 1 ? word : many || `${word}s`}`;

  const faultStyle = (kind) =>
    data.faultKinds[kind] || { label: kind, ended: "ended", color: NEUTRAL };
  const swatch = (color) => el("span", { class: "swatch", style: { background: color } });

  function section(id, title, ...children) {
    return el("section", { id, "data-view": id }, el("h2", {}, title), ...children);
  }

  /** A table in a box that scrolls sideways on its own, so no table widens the page. */
  function table(head, rows, attrs) {
    return el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        attrs || {},
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            head.map((h) => el("th", {}, h)),
          ),
        ),
        el("tbody", {}, rows),
      ),
    );
  }

  /** Draws `draw()` or, when it throws, says so in its place: the rest of the page still draws. */
  function safely(what, draw) {
    try {
      return draw();
    } catch (err) {
      return el(
        "p",
        { class: "error draw-error", "data-view": "error" },
        `The ${what} could not be drawn: ${err?.message ? err.message : String(err)}`,
      );
    }
  }

  // ---- op links ---------------------------------------------------------------------------

  /** A link to the op's counterexample window, or to the op on the timeline. */
  function opRef(index) {
    if (windowFoci.has(index)) {
      return el("a", { class: "op-ref", href: `#op-${index}` }, `#${index}`);
    }
    return el(
      "a",
      {
        class: "op-ref",
        href: "#timeline",
        title: "show on the timeline",
        onclick: (event) => {
          event.preventDefault();
          axis.focusOp(index);
        },
      },
      `#${index}`,
    );
  }

  // ---- the client ops, decoded once -------------------------------------------------------

  /** The timeline's columns as typed arrays: absolute start and end in seconds (end is Infinity
   * for an op that never completed), lane, f, outcome, op index. */
  const ops = (() => {
    const t = data.timeline;
    const n = t.count;
    const start = new Float64Array(n);
    const end = new Float64Array(n);
    const index = new Float64Array(n);
    const lane = new Int32Array(n);
    const f = new Int32Array(n);
    const outcome = new Int32Array(n);
    let at = 0;
    let idx = 0;
    let maxDur = 0;
    for (let i = 0; i < n; i++) {
      at += t.startUs[i];
      idx += t.index[i];
      start[i] = at / 1e6;
      end[i] = t.durUs[i] < 0 ? Number.POSITIVE_INFINITY : (at + t.durUs[i]) / 1e6;
      if (t.durUs[i] > maxDur) maxDur = t.durUs[i];
      index[i] = idx;
      lane[i] = t.lane[i];
      f[i] = t.code[i] >> 2;
      outcome[i] = t.code[i] & 3;
    }
    // Each lane's ops in start order, by a counting sort (a million pushes would be slower).
    const starts = new Int32Array(t.lanes.length + 1);
    for (let i = 0; i < n; i++) starts[lane[i] + 1]++;
    for (let l = 0; l < t.lanes.length; l++) starts[l + 1] += starts[l];
    const sorted = new Int32Array(n);
    const next = starts.slice(0, t.lanes.length);
    for (let i = 0; i < n; i++) sorted[next[lane[i]]++] = i;
    return {
      n,
      start,
      end,
      index,
      lane,
      f,
      outcome,
      maxDurS: maxDur / 1e6,
      byLane: t.lanes.map((_, l) => sorted.subarray(starts[l], starts[l + 1])),
    };
  })();

  /** The first position in `sorted` (ascending, or the ops' start times through `at`) ≥ value. */
  function lowerBound(n, at, value) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The client op with this index (invoke index), or -1. */
  function opOfIndex(index) {
    const i = lowerBound(ops.n, (j) => ops.index[j], index);
    return i < ops.n && ops.index[i] === index ? i : -1;
  }

  function opDetails(i) {
    const t = data.timeline;
    const o = OUTCOMES[ops.outcome[i]];
    const key = t.key[i] >= 0 ? ` ${t.keys[t.key[i]]}` : "";
    const node = t.node[i] >= 0 ? ` on ${t.nodes[t.node[i]]}` : "";
    const value = t.values ? ` ${t.values[i]}` : "";
    const took = Number.isFinite(ops.end[i])
      ? `, ${num((ops.end[i] - ops.start[i]) * 1000)} ms`
      : ", never completed";
    return (
      `op #${ops.index[i]} · ${t.fs[ops.f[i]]}${key}${value} → ${o}${node} · ` +
      `process ${t.lanes[ops.lane[i]]} · invoked at ${secsFine(ops.start[i])}${took}`
    );
  }

  performance.mark("faultline:ops-decoded");

  // ---- header -----------------------------------------------------------------------------

  function startedText() {
    if (!data.startedAt) return undefined;
    const date = new Date(data.startedAt);
    if (Number.isNaN(date.getTime())) return undefined;
    return date
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC");
  }

  function opsText() {
    const o = data.summary.ops;
    const parts = [`ok ${num(o.ok)}`, `fail ${num(o.fail)}`, `info ${num(o.info)}`];
    if (o.pending > 0) parts.push(`never completed ${num(o.pending)}`);
    const finals =
      data.summary.finalReads > 0 ? `; ${plural(data.summary.finalReads, "final read")}` : "";
    return `${num(o.invoked)} (${parts.join(", ")})${finals}`;
  }

  function header() {
    const facts = [
      ["run", data.runName || data.title],
      ["started", startedText()],
      ["seed", data.seed === undefined ? undefined : String(data.seed)],
      ["duration", secs(data.summary.durationS)],
      ["client ops", opsText()],
      ["faults", String(data.summary.faults)],
    ].filter(([, value]) => value !== undefined);
    const r = data.reproduce;
    return el(
      "header",
      { class: `top ${verdictClass(data.verdict)}`, "data-view": "header" },
      el(
        "div",
        { class: "title-row" },
        el("h1", {}, data.title),
        el("span", { class: `verdict ${verdictClass(data.verdict)}` }, verdictWord(data.verdict)),
      ),
      el(
        "dl",
        { class: "facts" },
        facts.map(([name, value]) => el("div", {}, el("dt", {}, name), el("dd", {}, value))),
      ),
      data.startedAtProblem
        ? el("p", { class: "note" }, `No start time: ${data.startedAtProblem}.`)
        : null,
      r
        ? el(
            "div",
            { class: "reproduce" },
            el("span", { class: "label" }, "reproduce"),
            el("code", { class: "command", title: "select to copy" }, r.command),
          )
        : null,
      r && r.uncovered.length > 0
        ? el(
            "p",
            { class: "note" },
            `The command does not carry ${r.uncovered.join(", ")}: to rerun exactly, use the test file under "Test".`,
          )
        : null,
      data.reproduceProblem
        ? el(
            "p",
            { class: "note" },
            `${data.reproduceProblem}. The test file under "Test" reruns it.`,
          )
        : null,
      data.warnings.length > 0
        ? el(
            "ul",
            { class: "warnings" },
            data.warnings.map((w) => el("li", {}, `warning: ${w}`)),
          )
        : null,
    );
  }

  // ---- checkers ---------------------------------------------------------------------------

  /** A linearizability failure in words (the checker's own explanation is for logs). */
  function linearizationSentence(view) {
    return (
      `No order of the ops on key ${view.key} that respects real time lets op #${view.blocked.index} (${view.blocked.description}) happen. ` +
      `The longest order found places ${plural(view.stepsTotal, "op")} and leaves the register at ${view.finalState}; ` +
      `${plural(view.concurrent.length, "op was", "ops were")} concurrent with it.`
    );
  }

  /** A checker's explanation in plain words. */
  function explanationOf(checker, explanation) {
    const view = data.linearization.find((v) => v.checker === checker);
    return view ? linearizationSentence(view) : explanation;
  }

  function checkerTable() {
    const rows = data.checkers.map((c) => {
      const numbers = c.numbers.map((n) =>
        el("span", { class: `kv${n.value === 0 ? " zero" : ""}` }, `${n.label}: ${num(n.value)}`),
      );
      const distributions = c.distributions.map((d) =>
        el(
          "span",
          { class: "kv dist" },
          d.count === 0
            ? `${d.label}: none`
            : `${d.label}: median ${num(d.p50)} · p99 ${num(d.p99)} · max ${num(d.max)} (${plural(d.count, "sample")})`,
        ),
      );
      return el(
        "tr",
        { class: verdictClass(c.valid) },
        el("td", { class: "checker-name" }, el("a", { href: `#checker-${c.name}` }, c.name)),
        el("td", {}, pill(c.valid)),
        el(
          "td",
          {},
          c.anomalies.length === 0
            ? el("span", { class: "muted" }, "none")
            : c.anomalies.map((a) =>
                el("span", { class: "anomaly" }, `${a.label} ×${num(a.count)}`),
              ),
        ),
        el(
          "td",
          { class: "numbers" },
          c.error ? el("div", { class: "error" }, c.error) : null,
          c.explanation
            ? el("div", { class: "explanation" }, explanationOf(c.name, c.explanation))
            : null,
          numbers,
          distributions,
        ),
        el("td", { class: "refs" }, c.counterexamples.map(opRef)),
      );
    });
    return section(
      "checkers",
      "Checkers",
      table(["checker", "verdict", "anomalies", "key numbers", "counterexample ops"], rows, {
        class: "checkers",
      }),
    );
  }

  // ---- the shared time axis ---------------------------------------------------------------

  /** Every plot shares one x range: zooming one (drag) zooms all, a double-click resets all. */
  const axis = {
    plots: [],
    syncing: false,
    whole() {
      return [0, Math.max(data.summary.durationS, 0.001)];
    },
    set(min, max, from) {
      if (this.syncing) return;
      this.syncing = true;
      for (const plot of this.plots) {
        if (plot === from) continue;
        plot.setScale("x", { min, max });
      }
      this.syncing = false;
    },
    /** Zooms every plot to a few seconds around the op and highlights it on the timeline. */
    focusOp(index) {
      const i = opOfIndex(index);
      const at = i >= 0 ? ops.start[i] : timeOfNemesisOp(index);
      if (at === undefined) return;
      timelineFocus = i;
      const [lo, hi] = this.whole();
      const span = Math.max(0.5, Math.min(5, (hi - lo) / 20));
      document.getElementById("timeline")?.scrollIntoView();
      if (this.plots.length > 0) this.plots[0].setScale("x", { min: at - span, max: at + span });
    },
  };
  let timelineFocus = -1;

  function timeOfNemesisOp(index) {
    for (const f of data.faults) {
      if (f.ops[0] === index) return f.startS;
      if (f.ops[1] === index) return f.endS;
    }
    const event = data.nemesisEvents.find((e) => e.index === index);
    if (event) return event.timeS;
    const w = data.windows.find((x) => x.rows.some((r) => r.index === index));
    return w ? w.rows.find((r) => r.index === index).timeS : undefined;
  }

  /** The whole run when uPlot asks for the data's extent (first draw, double-click), else the
   * range asked for. */
  function xRange(u, min, max) {
    const xs = u.data[0];
    const whole = xs.length === 0 || (min <= xs[0] && max >= xs[xs.length - 1]);
    return whole ? axis.whole() : [min, max];
  }

  const faultLanes = [...new Set(data.faults.map((f) => f.kind))];
  const LANE_PX = 13;

  /** Faults behind the data (each shades its interval faintly and marks its kind's lane at the
   * top), the final heal dashed, the counterexamples as red ticks at the top. */
  function decorations() {
    const draw = (u) => {
      const { ctx, bbox } = u;
      const ratio = window.devicePixelRatio || 1;
      const lane = LANE_PX * ratio;
      const left = bbox.left;
      const right = bbox.left + bbox.width;
      ctx.save();
      ctx.font = `${10 * ratio}px system-ui, sans-serif`;
      ctx.textBaseline = "middle";
      for (const fault of data.faults) {
        const x0 = Math.max(left, u.valToPos(fault.startS, "x", true));
        const x1 = Math.min(right, u.valToPos(fault.endS, "x", true));
        if (x1 <= x0) continue;
        const color = faultStyle(fault.kind).color;
        const top = bbox.top + faultLanes.indexOf(fault.kind) * lane;
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = color;
        ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
        ctx.globalAlpha = fault.outcome === "ok" ? 0.8 : 0.35;
        ctx.fillRect(x0, top + ratio, x1 - x0, lane - 2 * ratio);
        ctx.globalAlpha = 1;
        const label = fault.targets.split(":")[0] || faultStyle(fault.kind).label;
        if (ctx.measureText(label).width + 6 * ratio < x1 - x0) {
          ctx.fillStyle = "#fff";
          ctx.fillText(label, x0 + 3 * ratio, top + lane / 2);
        }
      }
      ctx.strokeStyle = "rgba(80, 80, 80, 0.6)";
      ctx.lineWidth = ratio;
      ctx.setLineDash([4 * ratio, 3 * ratio]);
      for (const event of data.nemesisEvents) {
        const x = u.valToPos(event.timeS, "x", true);
        if (x < left || x > right) continue;
        ctx.beginPath();
        ctx.moveTo(x, bbox.top);
        ctx.lineTo(x, bbox.top + bbox.height);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.fillStyle = OUTCOME_COLOR.fail;
      for (const w of data.windows) {
        const x = u.valToPos(w.timeS, "x", true);
        if (x < left || x > right) continue;
        ctx.beginPath();
        ctx.moveTo(x - 4 * ratio, bbox.top);
        ctx.lineTo(x + 4 * ratio, bbox.top);
        ctx.lineTo(x, bbox.top + 7 * ratio);
        ctx.fill();
      }
      ctx.restore();
    };
    return { hooks: { drawClear: [draw] } };
  }

  /** Room at the top of a scale for the fault lanes, for a plot area about `heightPx` tall. */
  function headroom(heightPx) {
    if (faultLanes.length === 0) return 1.08;
    return 1 / (1 - (faultLanes.length * LANE_PX + 10) / heightPx);
  }

  const Y_AXIS_SIZE = 60;
  const isPhone = () => window.innerWidth < 600;

  function mountPlot(container, makeOptions, plotData) {
    const width = () => Math.max(240, container.clientWidth);
    const plot = new uPlot(makeOptions(width()), plotData, container);
    axis.plots.push(plot);
    let pending = 0;
    window.addEventListener("resize", () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => plot.setSize({ width: width(), height: plot.height }));
    });
    return plot;
  }

  /** Options every time plot shares: the x scale, the zoom sync, the decorations, the axes. */
  function timeOptions(width, height, xLabel, yLabel, extra) {
    return {
      width,
      height,
      plugins: [decorations()],
      scales: { x: { time: false, range: xRange }, ...(extra.scales || {}) },
      axes: [
        { label: xLabel, labelSize: 16, size: 32 },
        { label: yLabel, labelSize: 16, size: Y_AXIS_SIZE, ...(extra.yAxis || {}) },
      ],
      series: extra.series,
      legend: extra.legend || { live: false },
      cursor: { points: { show: false }, drag: { x: true, y: false }, sync: { key: "faultline" } },
      hooks: {
        setScale: [
          (u, key) => {
            if (key === "x") axis.set(u.scales.x.min, u.scales.x.max, u);
          },
        ],
        ...(extra.hooks || {}),
      },
    };
  }

  // ---- the timeline (canvas) --------------------------------------------------------------

  /** One lane per client thread, an op a bar from invoke to completion coloured by outcome. Only
   * what is in view is drawn; bars narrower than a pixel merge with their lane's neighbours. */
  function timelinePlot(container, readout) {
    const lanes = data.timeline.lanes;
    const laneH = isPhone() ? 10 : 14;
    const top = faultLanes.length * LANE_PX + 10;
    const height = Math.max(120, top + lanes.length * laneH + 50);
    const draw = (u) => {
      const { ctx, bbox } = u;
      const ratio = window.devicePixelRatio || 1;
      const min = u.scales.x.min;
      const max = u.scales.x.max;
      const y0 = bbox.top + top * ratio;
      const rowH = (bbox.height - top * ratio) / Math.max(1, lanes.length);
      const pxPerS = bbox.width / (max - min);
      ctx.save();
      ctx.beginPath();
      ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
      ctx.clip();
      const paths = OUTCOMES.map(() => new Path2D());
      const first = lowerBound(ops.n, (j) => ops.start[j], min - ops.maxDurS);
      const last = lowerBound(ops.n, (j) => ops.start[j], max);
      const lastX = new Float64Array(lanes.length).fill(-1);
      const lastO = new Int32Array(lanes.length).fill(-1);
      for (let i = first; i < last; i++) {
        const end = ops.end[i];
        if (end < min) continue;
        const l = ops.lane[i];
        const o = ops.outcome[i];
        const x0 = bbox.left + (ops.start[i] - min) * pxPerS;
        const x1 = Number.isFinite(end) ? bbox.left + (end - min) * pxPerS : bbox.left + bbox.width;
        // A bar inside the pixel the lane last drew in the same colour adds nothing.
        if (x1 <= lastX[l] && o === lastO[l]) continue;
        const from = Math.max(x0, bbox.left - 1);
        paths[o].rect(from, y0 + l * rowH + ratio, Math.max(ratio, x1 - from), rowH - 2 * ratio);
        lastX[l] = Math.max(lastX[l], Math.floor(x1) + 1);
        lastO[l] = o;
      }
      OUTCOMES.forEach((o, k) => {
        ctx.fillStyle = OUTCOME_COLOR[o];
        ctx.fill(paths[k]);
      });
      if (timelineFocus >= 0) {
        const i = timelineFocus;
        const x0 = bbox.left + (ops.start[i] - min) * pxPerS;
        const x1 = Number.isFinite(ops.end[i]) ? bbox.left + (ops.end[i] - min) * pxPerS : x0 + 4;
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 2 * ratio;
        ctx.strokeRect(
          x0 - 2 * ratio,
          y0 + ops.lane[i] * rowH - ratio,
          Math.max(4 * ratio, x1 - x0 + 4 * ratio),
          rowH + ratio,
        );
      }
      ctx.restore();
      // The lane labels stand in the y axis's gutter, right-aligned, when a row has room.
      if (rowH >= 8 * ratio) {
        ctx.save();
        ctx.fillStyle = "#57606a";
        ctx.font = `${Math.min(10, rowH / ratio - 1) * ratio}px system-ui, sans-serif`;
        ctx.textAlign = "right";
        ctx.textBaseline = "middle";
        lanes.forEach((label, l) => {
          ctx.fillText(label, bbox.left - 4 * ratio, y0 + (l + 0.5) * rowH);
        });
        ctx.restore();
      }
    };
    let hovered = -1;
    const hover = (u) => {
      hovered = -1;
      const { left, top: y } = u.cursor;
      if (left === undefined || left < 0) {
        readout.textContent = "";
        return;
      }
      const t = u.posToVal(left, "x");
      const plotTop = top;
      const rowH =
        (u.bbox.height / (window.devicePixelRatio || 1) - plotTop) / Math.max(1, lanes.length);
      const l = Math.floor((y - plotTop) / rowH);
      if (l < 0 || l >= lanes.length) {
        readout.textContent = "";
        return;
      }
      const list = ops.byLane[l];
      const slack =
        3 / (u.bbox.width / (window.devicePixelRatio || 1) / (u.scales.x.max - u.scales.x.min));
      let j = lowerBound(list.length, (k) => ops.start[list[k]], t + slack) - 1;
      while (j >= 0 && ops.end[list[j]] < t - slack && ops.start[list[j]] > t - ops.maxDurS - slack)
        j--;
      const i = j >= 0 ? list[j] : -1;
      hovered = i >= 0 && ops.end[i] >= t - slack ? i : -1;
      readout.textContent = hovered >= 0 ? opDetails(hovered) : `${lanes[l]} · ${secs(t)}`;
      if (hovered >= 0 && windowFoci.has(ops.index[hovered])) {
        readout.textContent += " · click for its counterexample";
      }
    };
    const options = (width) =>
      timeOptions(width, height, "seconds since the start", "", {
        series: [{ label: "time (s)" }, { label: "ops", show: false }],
        scales: { y: { range: [0, 1] } },
        yAxis: {
          show: true,
          values: () => [],
          ticks: { show: false },
          grid: { show: false },
          label: "",
        },
        legend: { show: false },
        hooks: { draw: [draw], setCursor: [hover] },
      });
    const plot = mountPlot(container, options, [axis.whole(), [null, null]]);
    // A click (not a drag) on an op that is a counterexample opens its window.
    plot.over.addEventListener("click", () => {
      const index = hovered >= 0 ? ops.index[hovered] : -1;
      if (windowFoci.has(index)) location.hash = `op-${index}`;
    });
    return plot;
  }

  // ---- throughput, latency, siblings ------------------------------------------------------

  const DASH = { ok: undefined, fail: [6, 3], info: [2, 3] };

  function throughputPlot(container) {
    const tp = data.throughput;
    const series = [{ label: "time (s)" }];
    for (const s of tp.series) {
      series.push({
        label: `${s.f} ${s.type}`,
        stroke: F_COLOR[s.f] || NEUTRAL,
        width: s.type === "ok" ? 2 : 1.5,
        dash: DASH[s.type],
        value: (_u, v) => (v === null || v === undefined ? "—" : `${num(v)}/s`),
        points: { show: false },
        paths: uPlot.paths.stepped({ align: 1 }),
      });
    }
    // A step line: each bucket's rate holds for its whole bucket; the last one ends with the run.
    const last = tp.t.length > 0 ? tp.t[tp.t.length - 1] : 0;
    const steps = [...tp.t, Math.max(last, Math.min(last + tp.bucketS, data.summary.durationS))];
    const rows = tp.series.map((s) => [...s.rate, s.rate[s.rate.length - 1] ?? 0]);
    const options = (width) =>
      timeOptions(
        width,
        isPhone() ? 200 : 240,
        "seconds since the start (op completed)",
        `ops/s (${tp.bucketS} s buckets)`,
        {
          series,
          scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max) * headroom(200)] } },
          legend: { live: false },
        },
      );
    return mountPlot(container, options, [steps, ...rows]);
  }

  /** A point per sampled op: the fill is its f's colour, a failed or unknown op has a ring of its
   * outcome's colour. */
  function latencyPlot(container, readout) {
    const lat = data.latency;
    const groups = [];
    for (let i = 0; i < lat.t.length; i++) {
      const key = `${lat.f[i]}:${lat.outcome[i]}`;
      if (!groups.includes(key)) groups.push(key);
    }
    groups.sort();
    const columns = groups.map(() => new Array(lat.t.length).fill(null));
    for (let i = 0; i < lat.t.length; i++) {
      columns[groups.indexOf(`${lat.f[i]}:${lat.outcome[i]}`)][i] = Math.max(lat.ms[i], 0.001);
    }
    const series = [{ label: "invoked at (s)" }];
    for (const key of groups) {
      const [fi, oi] = key.split(":").map(Number);
      const outcome = OUTCOMES[oi];
      const fill = F_COLOR[lat.fs[fi]] || NEUTRAL;
      series.push({
        label: `${lat.fs[fi]} ${outcome}`,
        stroke: outcome === "ok" ? fill : OUTCOME_COLOR[outcome],
        fill,
        paths: () => null,
        points: {
          show: true,
          size: outcome === "ok" ? 3 : 6,
          space: 0,
          width: outcome === "ok" ? 0 : 1.5,
          fill,
        },
      });
    }
    const logRange = (_u, min, max) => {
      const [lo, hi] = uPlot.rangeLog(Math.max(min, 0.001), Math.max(max, 0.002), 10, true);
      const a = Math.log10(lo);
      const b = Math.log10(hi);
      return [lo, 10 ** (a + (b - a) * headroom(240))];
    };
    const options = (width) =>
      timeOptions(
        width,
        isPhone() ? 220 : 280,
        "seconds since the start (op invoked)",
        "latency (ms, log)",
        {
          series,
          scales: { y: { distr: 3, range: logRange } },
          hooks: {
            setCursor: [
              (u) => {
                const i = u.cursor.idx;
                if (i === null || i === undefined) return;
                readout.textContent =
                  `op #${lat.index[i]}: ${lat.fs[lat.f[i]]} ${OUTCOMES[lat.outcome[i]]}, ` +
                  `invoked at ${secsFine(lat.t[i])}, ${num(lat.ms[i])} ms`;
              },
            ],
          },
        },
      );
    return mountPlot(container, options, [lat.t, ...columns]);
  }

  function siblingPlot(container) {
    const s = data.siblings;
    const last = s.t.length > 0 ? s.t[s.t.length - 1] : 0;
    const xs = [...s.t, Math.max(last, Math.min(last + s.bucketS, data.summary.durationS))];
    const hold = (list) => [...list, list[list.length - 1] ?? null];
    const line = (label, color, width) => ({
      label,
      stroke: color,
      width,
      points: { show: false },
      spanGaps: false,
      paths: uPlot.paths.stepped({ align: 1 }),
      value: (_u, v) => (v === null || v === undefined ? "—" : num(v)),
    });
    const options = (width) =>
      timeOptions(
        width,
        isPhone() ? 180 : 200,
        "seconds since the start (read completed)",
        "siblings per read",
        {
          series: [{ label: "time (s)" }, line("most", "#8f5bb5", 2), line("mean", "#3a6ea5", 1.5)],
          scales: { y: { range: (_u, _min, max) => [0, Math.max(2, max) * headroom(160)] } },
        },
      );
    return mountPlot(container, options, [xs, hold(s.max), hold(s.mean)]);
  }

  function legendKey() {
    const outcomes = ["ok", "fail", "info", "pending"].map((o) =>
      el(
        "span",
        { class: "key-item" },
        swatch(OUTCOME_COLOR[o]),
        o === "pending" ? "never completed" : o,
      ),
    );
    const fs = Object.entries(F_COLOR).map(([f, color]) =>
      el(
        "span",
        { class: "key-item" },
        el("span", { class: "dot", style: { background: color } }),
        f,
      ),
    );
    const faults = faultLanes.map((kind) =>
      el("span", { class: "key-item" }, swatch(faultStyle(kind).color), faultStyle(kind).label),
    );
    return el(
      "div",
      { class: "caption plot-key" },
      el("div", {}, "Outcomes: ", outcomes),
      el("div", {}, "Op types: ", fs),
      el(
        "div",
        {},
        faults.length > 0
          ? ["Faults (a lane each, shaded while in force): ", faults]
          : "No faults were injected.",
        data.nemesisEvents.length > 0
          ? el("span", { class: "key-item" }, el("span", { class: "swatch event" }), "final heal")
          : null,
        data.windows.length > 0
          ? el("span", { class: "key-item" }, el("span", { class: "tick" }), "counterexample")
          : null,
      ),
      el("div", {}, "Drag across any plot to zoom them all; double-click to see the whole run."),
    );
  }

  function plots() {
    const lat = data.latency;
    const boxes = {
      timeline: el("div", { class: "plot" }),
      throughput: el("div", { class: "plot" }),
      latency: el("div", { class: "plot" }),
      siblings: el("div", { class: "plot" }),
    };
    const timelineReadout = el("div", { class: "readout" }, "Hover over an op for its details.");
    const latencyReadout = el("div", { class: "readout" });
    const t = data.timeline;
    const sampled =
      lat.shown < lat.total
        ? ` ${num(lat.shown)} of ${num(lat.total)} ops, picked evenly in time, so each outcome keeps its share.`
        : "";
    const node = el(
      "section",
      { id: "plots" },
      el("h2", {}, "Over time"),
      legendKey(),
      el(
        "div",
        { id: "timeline", "data-view": "timeline" },
        el("h3", {}, "Timeline"),
        el(
          "p",
          { class: "caption" },
          `Every client op (${num(t.count)}) as a bar from invoke to completion, one lane per client thread (a thread goes on under a new process after an op of unknown outcome).`,
        ),
        boxes.timeline,
        timelineReadout,
      ),
      el("div", { "data-view": "throughput" }, el("h3", {}, "Throughput"), boxes.throughput),
      el(
        "div",
        { "data-view": "latency" },
        el("h3", {}, "Latency"),
        el(
          "p",
          { class: "caption" },
          `One point per completed op; failed and unknown ones ringed.${sampled}`,
        ),
        boxes.latency,
        latencyReadout,
      ),
      data.siblings
        ? el(
            "div",
            { "data-view": "siblings" },
            el("h3", {}, "Siblings per read"),
            el(
              "p",
              { class: "caption" },
              `How many siblings each read returned (${plural(data.siblings.reads, "read")}, at most ${num(data.siblings.maxOverall)}): a count that keeps growing is a sibling explosion.`,
            ),
            boxes.siblings,
          )
        : null,
    );
    // uPlot measures its container, so the plots are drawn once the section is in the page.
    requestAnimationFrame(() => {
      const started = performance.now();
      if (typeof uPlot === "undefined") {
        boxes.timeline.append(
          el("p", { class: "error" }, "uPlot did not load: the plots cannot be drawn."),
        );
        return;
      }
      /** Draws one plot into its box, or its error in its place. */
      const draw = (box, what, plot) => {
        const failed = safely(what, () => {
          plot();
          return null;
        });
        if (failed) box.append(failed);
      };
      draw(boxes.timeline, "timeline", () => timelinePlot(boxes.timeline, timelineReadout));
      draw(boxes.throughput, "throughput plot", () => throughputPlot(boxes.throughput));
      if (lat.t.length > 0) {
        draw(boxes.latency, "latency plot", () => latencyPlot(boxes.latency, latencyReadout));
      } else boxes.latency.append(el("p", { class: "muted" }, "No op completed."));
      if (data.siblings) draw(boxes.siblings, "sibling plot", () => siblingPlot(boxes.siblings));
      performance.mark("faultline:plots-drawn");
      document.documentElement.dataset.plotsDrawn = String(Math.round(performance.now() - started));
    });
    return node;
  }

  // ---- the linearization view -------------------------------------------------------------

  function linearizedOp(op, extra) {
    return el(
      "tr",
      { class: extra?.class },
      extra && extra.step !== undefined ? el("td", { class: "n" }, extra.step) : null,
      el("td", {}, opRef(op.index)),
      el("td", {}, op.process),
      el("td", { class: "value" }, op.description),
      el("td", { class: "n" }, secs(op.startS)),
      el("td", { class: "n" }, op.endS === undefined ? "unknown" : secs(op.endS)),
      extra && extra.state !== undefined ? el("td", { class: "value" }, extra.state) : null,
      extra && extra.placed !== undefined ? el("td", {}, extra.placed) : null,
    );
  }

  /** The key's ops over the stretch of the failure, one lane per process, Porcupine-style: the
   * linearization's steps numbered, the op that cannot be placed red, its concurrent ops ringed. */
  function diagram(view) {
    const { fromS, toS, ops: list } = view.diagram;
    const span = Math.max(toS - fromS, 1e-6);
    const processes = [...new Set(list.map((op) => op.process))];
    const pct = (s) => `${(Math.max(0, Math.min(1, (s - fromS) / span)) * 100).toFixed(3)}%`;
    const lanes = processes.map((process) =>
      el(
        "div",
        { class: "lin-lane" },
        el("span", { class: "lin-process" }, `p${process}`),
        el(
          "div",
          { class: "lin-track" },
          list
            .filter((op) => op.process === process)
            .map((op) => {
              const end = op.endS === undefined ? toS : op.endS;
              const width = `calc(${pct(end)} - ${pct(op.startS)} + 3px)`;
              return el(
                "div",
                {
                  class: `lin-op ${op.role}${op.endS === undefined ? " open" : ""}`,
                  style: { left: pct(op.startS), width },
                  title: `#${op.index} ${op.description}${op.step ? ` · step ${op.step}` : ""}`,
                },
                op.step ? `${op.step}. ${op.description}` : op.description,
              );
            }),
        ),
      ),
    );
    return el(
      "div",
      { class: "lin-diagram" },
      el("div", { class: "lin-axis" }, el("span", {}, secs(fromS)), el("span", {}, secs(toS))),
      lanes,
    );
  }

  function linearization() {
    if (data.linearization.length === 0) return null;
    const parts = data.linearization.map((view) => {
      const shown =
        view.steps.length < view.stepsTotal ? ` (the last ${view.steps.length} shown)` : "";
      return el(
        "div",
        { class: "card invalid", id: `linearization-${view.checker}` },
        el("h3", {}, `${view.checker}: key ${view.key} (${view.model} model)`),
        el("p", { class: "explanation" }, linearizationSentence(view)),
        diagram(view),
        el(
          "h4",
          {},
          `The longest linearization, step by step${shown}; the state starts ${view.initialState}`,
        ),
        table(
          ["step", "op", "process", "what it did", "invoked", "completed", "state after"],
          view.steps.map((s) => linearizedOp(s, { step: s.step, state: s.state })),
          { class: "compact lin-steps" },
        ),
        el("h4", {}, "The op that cannot be placed"),
        table(
          ["op", "process", "what it did", "invoked", "completed"],
          [linearizedOp(view.blocked, { class: "blocked" })],
          { class: "compact" },
        ),
        el("h4", {}, "Ops concurrent with it"),
        view.concurrent.length === 0
          ? el("p", { class: "muted" }, "none")
          : table(
              ["op", "process", "what it did", "invoked", "completed", "in the linearization"],
              view.concurrent.map((c) =>
                linearizedOp(c, { placed: c.linearized ? "placed" : "not placed" }),
              ),
              { class: "compact" },
            ),
      );
    });
    return section("linearization", "Linearization", parts);
  }

  // ---- final reads ------------------------------------------------------------------------

  function finalReads() {
    const fr = data.finalReads;
    if (!fr) {
      return section(
        "final-reads",
        "Final reads",
        el(
          "p",
          { class: "muted" },
          "The history has no final reads (an interrupted run, or a history from elsewhere).",
        ),
      );
    }
    const rows = fr.rows.map((row) =>
      el(
        "tr",
        { class: row.agreed ? "" : "disagree" },
        el("td", { class: "key-name" }, row.key),
        el(
          "td",
          {},
          row.agreed
            ? el("span", { class: "ok-text" }, "agree")
            : el("span", { class: "bad-text" }, "DIFFER"),
        ),
        row.cells.map((cell) =>
          el(
            "td",
            { class: `cell group-${cell.group < 0 ? "none" : cell.group % 6}` },
            el("div", {}, cell.summary),
            cell.missing
              ? el("div", { class: "bad-text small" }, `lacks ${plural(cell.missing, "item")}`)
              : null,
            el(
              "div",
              { class: "small muted" },
              cell.round !== undefined ? `round ${cell.round}` : "",
              cell.index !== undefined ? [" · ", opRef(cell.index)] : "",
            ),
          ),
        ),
      ),
    );
    const agreed = fr.rows.filter((r) => r.agreed).length;
    return section(
      "final-reads",
      "Final reads",
      el(
        "p",
        { class: "caption" },
        `Each node's last final read of each key after the final heal (${plural(fr.rounds, "round")}): ${agreed} of ${plural(fr.rows.length, "key")} agree on every node. Cells of one colour hold the same value.`,
      ),
      table(["key", "nodes", ...fr.nodes], rows, { class: "compact final-reads" }),
    );
  }

  // ---- counterexamples --------------------------------------------------------------------

  function valueCell(op) {
    if (!op.parts) return el("td", { class: "value" }, op.value);
    return el(
      "td",
      { class: "value" },
      op.parts.map(([text, mark]) => (mark ? el("mark", { class: mark }, text) : text)),
    );
  }

  function opTable(w) {
    const rows = [];
    let previous;
    for (const op of w.rows) {
      if (previous !== undefined && op.index > previous + 1) {
        rows.push(
          el(
            "tr",
            { class: "gap" },
            el("td", { colspan: 9 }, `⋯ ${plural(op.index - previous - 1, "op")} ⋯`),
          ),
        );
      }
      previous = op.index;
      const focus = op.index === w.focus;
      rows.push(
        el(
          "tr",
          { class: `${op.type}${focus ? " focus" : ""}` },
          el("td", { class: "n op-index" }, op.index),
          el("td", { class: "n" }, secs(op.timeS)),
          el("td", {}, op.process),
          el("td", {}, el("span", { class: `type ${op.type}` }, op.type)),
          el("td", {}, op.f),
          el("td", {}, op.node || ""),
          valueCell(op),
          el(
            "td",
            { class: "refs" },
            (op.wroteBy || []).map((w2) =>
              el("span", { class: "wrote" }, `${w2.value} by `, opRef(w2.index)),
            ),
          ),
          el("td", { class: "error" }, op.error || ""),
        ),
      );
    }
    return table(
      ["#", "time", "process", "type", "f", "node", "value", "written by", "error"],
      rows,
      {
        class: "compact ops",
      },
    );
  }

  function windowBlock(w) {
    const during = w.faults.length > 0 ? `during ${w.faults.join("; ")}` : "no fault was in force";
    return el(
      "div",
      { class: "window", id: `op-${w.focus}` },
      el(
        "div",
        { class: "window-title" },
        `op #${w.focus}`,
        el(
          "span",
          { class: "muted" },
          ` — named by ${w.checkers.join(", ")} · at ${secs(w.timeS)} · ${during}`,
          w.key !== undefined ? ` · the ops on key ${w.key} around it` : "",
          w.item !== undefined ? ` · about ${w.item}` : "",
        ),
      ),
      opTable(w),
    );
  }

  function anomalyCard(a) {
    const blocks = a.anomalies.map((anomaly) => {
      const fields = [];
      for (const example of anomaly.examples)
        for (const [name] of example.details) if (!fields.includes(name)) fields.push(name);
      const rows = anomaly.examples.map((example) => {
        const byName = Object.fromEntries(example.details);
        return el(
          "tr",
          {},
          fields.map((name) => el("td", {}, byName[name] ?? "")),
          el("td", { class: "refs" }, example.ops.map(opRef)),
        );
      });
      const shown =
        anomaly.examples.length < anomaly.count
          ? ` (the first ${anomaly.examples.length} shown)`
          : "";
      return el(
        "div",
        { class: "anomaly-block" },
        el("h4", {}, `${anomaly.label} ×${num(anomaly.count)}${shown}`),
        rows.length > 0 ? table([...fields, "ops"], rows, { class: "compact" }) : null,
      );
    });
    return el(
      "div",
      { class: `card ${verdictClass(a.valid)}`, id: `checker-${a.checker}` },
      el(
        "h3",
        {},
        a.checker,
        " ",
        pill(a.valid),
        a.valid === true
          ? el("span", { class: "muted small" }, " found, and allowed by the test's claim")
          : null,
      ),
      a.error ? el("p", { class: "error" }, a.error) : null,
      a.explanation
        ? el("p", { class: "explanation" }, explanationOf(a.checker, a.explanation))
        : null,
      blocks,
    );
  }

  function counterexamples() {
    const parts = [];
    if (data.anomalies.length === 0)
      parts.push(el("p", { class: "muted" }, "No checker found an anomaly."));
    for (const a of data.anomalies)
      parts.push(safely(`${a.checker} anomalies`, () => anomalyCard(a)));
    if (data.windows.length > 0) {
      parts.push(el("h3", {}, "The ops around each counterexample"));
      parts.push(
        el(
          "p",
          { class: "caption" },
          "Each op named above, highlighted, among the ops on the same key just before and after it, with its invoke or completion and the other ops of its example. A named item is marked inside the value, or where it is missing.",
        ),
      );
      for (const w of data.windows)
        parts.push(safely(`window of op #${w.focus}`, () => windowBlock(w)));
    }
    return section("counterexamples", "Counterexamples", parts);
  }

  // ---- faults and latency tables ----------------------------------------------------------

  function faultTable() {
    if (data.faults.length === 0 && data.nemesisEvents.length === 0) {
      return el("p", { class: "muted" }, "No faults were injected.");
    }
    const rows = [
      ...data.faults.map((f) => {
        const style = faultStyle(f.kind);
        return {
          at: f.startS,
          cells: [
            el("td", { class: "fault-kind" }, swatch(style.color), style.label),
            el("td", { class: "n" }, secs(f.startS)),
            el(
              "td",
              {},
              f.healed
                ? `${style.ended} at ${secs(f.endS)}`
                : el("span", { class: "warn" }, "never ended"),
            ),
            el("td", { class: "n" }, secs(f.endS - f.startS)),
            el("td", {}, f.targets),
            el("td", {}, f.outcome === "ok" ? "ok" : el("span", { class: "warn" }, f.outcome)),
            el("td", { class: "refs" }, f.ops.map(opRef)),
          ],
        };
      }),
      ...data.nemesisEvents.map((e) => {
        const style = faultStyle(e.f);
        return {
          at: e.timeS,
          cells: [
            el("td", { class: "fault-kind" }, swatch(style.color), style.label),
            el("td", { class: "n" }, secs(e.timeS)),
            el("td", {}, ""),
            el("td", {}, ""),
            el("td", {}, e.detail),
            el("td", {}, e.outcome === "ok" ? "ok" : el("span", { class: "warn" }, e.outcome)),
            el("td", { class: "refs" }, opRef(e.index)),
          ],
        };
      }),
    ]
      .sort((a, b) => a.at - b.at)
      .map((row) => el("tr", {}, row.cells));
    return table(["fault", "started", "ended", "lasted", "targets", "start step", "ops"], rows, {
      class: "compact faults",
    });
  }

  function latencyTable() {
    const rows = data.latencySummary.map((s) =>
      el(
        "tr",
        {},
        el(
          "td",
          {},
          el("span", { class: "dot", style: { background: F_COLOR[s.f] || NEUTRAL } }),
          s.f,
        ),
        el(
          "td",
          {},
          el("span", { class: "dot", style: { background: OUTCOME_COLOR[s.outcome] } }),
          s.outcome,
        ),
        el("td", { class: "n" }, num(s.count)),
        el("td", { class: "n" }, num(s.p50)),
        el("td", { class: "n" }, num(s.p90)),
        el("td", { class: "n" }, num(s.p99)),
        el("td", { class: "n" }, num(s.max)),
      ),
    );
    return table(["op", "outcome", "ops", "median ms", "p90 ms", "p99 ms", "max ms"], rows, {
      class: "compact latency-table",
    });
  }

  // ---- test and files ---------------------------------------------------------------------

  function testSection() {
    return section(
      "test",
      "Test",
      table(
        ["setting", "value"],
        data.settings.map(([name, value]) =>
          el("tr", {}, el("td", { class: "setting-name" }, name), el("td", {}, value)),
        ),
        { class: "compact settings" },
      ),
      data.reproduce
        ? el(
            "details",
            {},
            el("summary", {}, "As a test file (faultline run this.yaml)"),
            el("pre", {}, data.reproduce.testFile),
          )
        : null,
      el(
        "details",
        {},
        el("summary", {}, "test.json"),
        el("pre", {}, JSON.stringify(data.test, null, 2)),
      ),
    );
  }

  const FILE_WORDS = {
    "history.jsonl": "the history, one op a line",
    "results.json": "the checkers' full results",
    "test.json": "the resolved test",
  };

  function filesSection() {
    const describe = (path) =>
      path.endsWith(".log")
        ? "node log"
        : path.endsWith(".dump.json")
          ? "node state at the end"
          : FILE_WORDS[path] || "";
    return section(
      "files",
      "Files",
      data.files.length === 0
        ? el("p", { class: "muted" }, "No files listed.")
        : el(
            "ul",
            { class: "files" },
            data.files.map((path) =>
              el(
                "li",
                {},
                el("a", { href: `./${path.split("/").map(encodeURIComponent).join("/")}` }, path),
                el("span", { class: "muted" }, describe(path) ? ` — ${describe(path)}` : ""),
              ),
            ),
          ),
    );
  }

  function nav() {
    const links = [
      ["checkers", "Checkers"],
      ["plots", "Over time"],
      data.linearization.length > 0 ? ["linearization", "Linearization"] : null,
      ["final-reads", "Final reads"],
      ["counterexamples", "Counterexamples"],
      ["faults", "Faults"],
      ["test", "Test"],
      ["files", "Files"],
    ].filter(Boolean);
    return el(
      "nav",
      {},
      links.map(([id, name]) => el("a", { href: `#${id}` }, name)),
    );
  }

  document.title = `${verdictWord(data.verdict)} · ${data.title} · faultline`;
  root.replaceChildren(
    safely("header", header),
    nav(),
    safely("checker table", checkerTable),
    safely("plots", plots),
    safely("linearization view", linearization) || "",
    safely("final reads", finalReads),
    safely("counterexamples", counterexamples),
    section("faults", "Faults", safely("fault table", faultTable)),
    section("latency-summary", "Latency by op", safely("latency table", latencyTable)),
    safely("test", testSection),
    safely("file list", filesSection),
  );
  // The page is drawn after load, so a link to one of its parts (#op-7) scrolls here.
  if (location.hash.length > 1) {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) requestAnimationFrame(() => target.scrollIntoView());
  }
})();
