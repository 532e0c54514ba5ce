// Draws a faultline run report from the JSON in #report-data (see report-data.ts for its shape):
// header and verdict, checker table, throughput and latency plots (uPlot) with the faults shaded,
// final reads, anomalies with the ops around each counterexample, the test, and the run's files.
// Layout only: every number is computed before. Text goes in through textContent, never as HTML.
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const root = document.getElementById("report");

  const OUTCOMES = ["ok", "fail", "info"];
  const OUTCOME_HUE = { ok: 145, fail: 0, info: 32 };
  const FAULT_COLOR = {
    partition: "rgba(66, 133, 244, 0.08)",
    kill: "rgba(219, 68, 55, 0.08)",
    pause: "rgba(142, 68, 173, 0.08)",
    clock: "rgba(244, 180, 0, 0.1)",
  };
  const FAULT_EDGE = {
    partition: "#4285f4",
    kill: "#db4437",
    pause: "#8e44ad",
    clock: "#c99700",
  };
  const windowFoci = new Set(data.windows.map((w) => w.focus));

  // ---- DOM helpers ------------------------------------------------------------------------

  /** el("td", {class: "x"}, "text", child…): an element; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function verdictWord(valid) {
    return valid === true ? "valid" : valid === false ? "INVALID" : "unknown";
  }

  function verdictClass(valid) {
    return valid === true ? "valid" : valid === false ? "invalid" : "unknown";
  }

  function pill(valid) {
    return el("span", { class: `pill ${verdictClass(valid)}` }, verdictWord(valid));
  }

  function num(value) {
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  }

  /** A link to the op's window when the page has one, else the bare index. */
  function opRef(index) {
    return windowFoci.has(index)
      ? el("a", { class: "op-ref", href: `#op-${index}` }, `#${index}`)
      : el("span", { class: "op-ref" }, `#${index}`);
  }

  function section(id, title, ...children) {
    return el("section", { id }, el("h2", {}, title), ...children);
  }

  function table(head, rows, attrs) {
    return el(
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
    );
  }

  function seriesColor(outcome, fIndex, alpha) {
    const light = Math.min(62, 34 + 14 * fIndex);
    return `hsla(${OUTCOME_HUE[outcome]}, 65%, ${light}%, ${alpha === undefined ? 1 : alpha})`;
  }

  // ---- header -----------------------------------------------------------------------------

  function header() {
    const ops = data.summary.ops;
    const started = data.startedAt ? new Date(data.startedAt) : undefined;
    const facts = [
      ["run", data.runName || data.title],
      [
        "started",
        started
          ? started
              .toISOString()
              .replace("T", " ")
              .replace(/\.\d+Z$/, " UTC")
          : undefined,
      ],
      ["seed", String(data.seed)],
      ["duration", `${num(data.summary.durationS)} s`],
      [
        "ops",
        `${num(ops.invoked)} (ok ${num(ops.ok)}, fail ${num(ops.fail)}, info ${num(ops.info)}` +
          (ops.pending > 0 ? `, pending ${num(ops.pending)})` : ")"),
      ],
      ["faults", String(data.summary.faults)],
    ].filter(([, value]) => value !== undefined);
    const command = el(
      "code",
      { class: "command", title: "select to copy" },
      data.reproduce.command,
    );
    return el(
      "header",
      { class: `top ${verdictClass(data.verdict)}` },
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
      el("div", { class: "reproduce" }, el("span", { class: "label" }, "reproduce"), command),
      data.reproduce.uncovered.length > 0
        ? el(
            "p",
            { class: "note" },
            `The flags do not carry ${data.reproduce.uncovered.join(", ")}: run the test file under "Test" instead.`,
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

  function checkerTable() {
    const rows = data.checkers.map((c) => {
      const numbers = c.numbers.map((n) =>
        el("span", { class: `kv${n.value === 0 ? " zero" : ""}` }, `${n.name} ${num(n.value)}`),
      );
      const distributions = c.distributions.map((d) =>
        el(
          "span",
          { class: "kv dist" },
          d.count === 0
            ? `${d.name}: none`
            : `${d.name} p50 ${num(d.p50)} · p99 ${num(d.p99)} · max ${num(d.max)} (n=${d.count})`,
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
                el("span", { class: "anomaly" }, `${a.name} ×${num(a.count)}`),
              ),
        ),
        el(
          "td",
          { class: "numbers" },
          c.error ? el("div", { class: "error" }, c.error) : null,
          c.explanation ? el("div", { class: "explanation" }, c.explanation) : null,
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

  // ---- plots ------------------------------------------------------------------------------

  const FAULT_KINDS = ["partition", "kill", "pause", "clock"];
  /** The fault kinds of this run, one lane each, in a fixed order. */
  const faultLanes = [...new Set(data.faults.map((f) => f.kind))].sort(
    (a, b) =>
      (FAULT_KINDS.indexOf(a) + 1 || 99) - (FAULT_KINDS.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );

  function faultLabel(fault) {
    const what = fault.kind === "partition" ? fault.targets.split(":")[0] : fault.targets;
    return (what || fault.kind) + (fault.outcome === "ok" ? "" : ` (${fault.outcome})`);
  }

  /**
   * A uPlot plugin drawing the faults behind the data: each fault shades its interval lightly
   * over the whole height, and marks a lane of its kind at the top (labelled with its shape or
   * targets), so overlapping faults of different kinds stay apart. The final heal is a dashed line.
   */
  function faultBands() {
    const draw = (u) => {
      const { ctx, bbox } = u;
      const ratio = window.devicePixelRatio || 1;
      const laneHeight = 13 * ratio;
      ctx.save();
      ctx.font = `${10 * ratio}px system-ui, sans-serif`;
      ctx.textBaseline = "middle";
      const left = bbox.left;
      const right = bbox.left + bbox.width;
      for (const fault of data.faults) {
        const x0 = Math.max(left, u.valToPos(fault.startS, "x", true));
        const x1 = Math.min(right, u.valToPos(fault.endS, "x", true));
        if (x1 <= x0) continue;
        const lane = faultLanes.indexOf(fault.kind);
        const top = bbox.top + lane * laneHeight;
        ctx.fillStyle = FAULT_COLOR[fault.kind] || "rgba(120, 120, 120, 0.1)";
        ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
        ctx.fillStyle = FAULT_EDGE[fault.kind] || "#666";
        ctx.globalAlpha = fault.outcome === "ok" ? 0.75 : 0.35;
        ctx.fillRect(x0, top + ratio, x1 - x0, laneHeight - 2 * ratio);
        ctx.globalAlpha = 1;
        const label = faultLabel(fault);
        if (ctx.measureText(label).width + 6 * ratio < x1 - x0) {
          ctx.fillStyle = "#fff";
          ctx.fillText(label, x0 + 3 * ratio, top + laneHeight / 2);
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
      ctx.restore();
    };
    return { hooks: { drawClear: [draw] } };
  }

  /** How much taller a scale must be so the fault lanes (at the top) cover no data, for a plot
   * area about `plotHeightPx` tall. */
  function headroom(plotHeightPx) {
    if (faultLanes.length === 0) return 1;
    return 1 / (1 - (faultLanes.length * 13 + 4) / plotHeightPx);
  }

  /** Whole decades around the latencies, stretched at the top to make room for the lanes. */
  function logRange(_u, min, max) {
    const [lo, hi] = uPlot.rangeLog(Math.max(min, 0.001), Math.max(max, 0.002), 10, true);
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    return [lo, 10 ** (a + (b - a) * headroom(240))];
  }

  /** The fault colours, as a line above the plots. */
  function faultKey() {
    if (faultLanes.length === 0) return el("p", { class: "caption" }, "No faults were injected.");
    return el(
      "p",
      { class: "caption fault-key" },
      "Faults, one lane each at the top of the plots, shaded while in force: ",
      faultLanes.map((kind) =>
        el("span", { class: "key-item" }, el("span", { class: `swatch ${kind}` }), kind),
      ),
      data.nemesisEvents.length > 0
        ? el("span", { class: "key-item" }, el("span", { class: "swatch event" }), "final heal")
        : null,
      " Drag on a plot to zoom, double-click to reset.",
    );
  }

  // Both plots share the x range and the y axis width, so their times line up on the page.
  const Y_AXIS_SIZE = 64;
  /** The whole run when uPlot asks for the data's extent (first draw, double-click), else the
   * zoomed selection. */
  function xRange(u, min, max) {
    const xs = u.data[0];
    const whole = xs.length === 0 || (min <= xs[0] && max >= xs[xs.length - 1]);
    return whole
      ? [0, Math.max(data.summary.durationS, xs[xs.length - 1] || 0, 0.001)]
      : [min, max];
  }

  function plotWidth(container) {
    return Math.max(480, container.clientWidth - 4);
  }

  function mountPlot(container, makeOptions, plotData) {
    const plot = new uPlot(makeOptions(plotWidth(container)), plotData, container);
    let pending = 0;
    window.addEventListener("resize", () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() =>
        plot.setSize({ width: plotWidth(container), height: plot.height }),
      );
    });
    return plot;
  }

  function throughputPlot(container) {
    const tp = data.throughput;
    const fs = [...new Set(tp.series.map((s) => s.f))];
    const series = [{ label: "time (s)" }];
    for (const s of tp.series) {
      const fi = fs.indexOf(s.f);
      series.push({
        label: `${s.f} ${s.type}`,
        stroke: seriesColor(s.type, fi),
        width: s.type === "ok" ? 2 : 1.5,
        dash: s.type === "ok" ? undefined : s.type === "fail" ? [6, 3] : [2, 3],
        value: (_u, v) => (v === null || v === undefined ? "—" : `${num(v)}/s`),
        points: { show: false },
      });
    }
    const options = (width) => ({
      width,
      height: 260,
      plugins: [faultBands()],
      scales: {
        x: { time: false, range: xRange },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05 * headroom(200)] },
      },
      axes: [
        { label: "seconds since start (when the op completed)", labelSize: 18, size: 34 },
        { label: `ops/s (${tp.bucketS} s buckets)`, labelSize: 18, size: Y_AXIS_SIZE },
      ],
      series,
      cursor: { points: { show: false } },
    });
    // A step line: each bucket's rate holds for its whole second.
    // The last bucket ends with the history (it may be partial).
    const last = tp.t.length > 0 ? tp.t[tp.t.length - 1] : 0;
    const steps = [...tp.t, Math.max(last, Math.min(last + tp.bucketS, data.summary.durationS))];
    const rows = tp.series.map((s) => [...s.rate, s.rate[s.rate.length - 1] ?? 0]);
    for (const s of series.slice(1)) s.paths = uPlot.paths.stepped({ align: 1 });
    return mountPlot(container, options, [steps, ...rows]);
  }

  function latencyPlot(container, readout) {
    const lat = data.latency;
    const keys = [];
    for (let i = 0; i < lat.t.length; i++) {
      const key = `${lat.f[i]}:${lat.outcome[i]}`;
      if (!keys.includes(key)) keys.push(key);
    }
    keys.sort((a, b) => {
      const [fa, oa] = a.split(":").map(Number);
      const [fb, ob] = b.split(":").map(Number);
      return fa - fb || oa - ob;
    });
    const columns = keys.map(() => new Array(lat.t.length).fill(null));
    for (let i = 0; i < lat.t.length; i++) {
      const column = columns[keys.indexOf(`${lat.f[i]}:${lat.outcome[i]}`)];
      column[i] = Math.max(lat.ms[i], 0.001);
    }
    const series = [{ label: "invoked at (s)" }];
    for (const key of keys) {
      const [fi, oi] = key.split(":").map(Number);
      const outcome = OUTCOMES[oi];
      const color = seriesColor(outcome, fi);
      series.push({
        label: `${lat.fs[fi]} ${outcome}`,
        stroke: color,
        fill: color,
        paths: () => null,
        points: {
          show: true,
          size: outcome === "ok" ? 3 : 5,
          space: 0,
          width: 1,
          fill: seriesColor(outcome, fi, 0.55),
        },
        value: (_u, v) => (v === null || v === undefined ? "—" : `${num(v)} ms`),
      });
    }
    const options = (width) => ({
      width,
      height: 300,
      plugins: [faultBands()],
      scales: { x: { time: false, range: xRange }, y: { distr: 3, range: logRange } },
      axes: [
        { label: "seconds since start (when the op was invoked)", labelSize: 18, size: 34 },
        { label: "latency (ms, log scale)", labelSize: 18, size: Y_AXIS_SIZE },
      ],
      series,
      legend: { live: false },
      cursor: { points: { show: false }, drag: { x: true, y: false } },
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined) {
              readout.textContent = "";
              return;
            }
            const outcome = OUTCOMES[lat.outcome[i]];
            readout.textContent =
              `op #${lat.index[i]}: ${lat.fs[lat.f[i]]} ${outcome}, invoked at ${num(lat.t[i])} s, ` +
              `${num(lat.ms[i])} ms`;
          },
        ],
      },
    });
    return mountPlot(container, options, [lat.t, ...columns]);
  }

  function latencyTable() {
    const rows = data.latencySummary.map((s) =>
      el(
        "tr",
        {},
        el("td", {}, s.f),
        el("td", {}, el("span", { class: `dot ${s.outcome}` }), s.outcome),
        el("td", { class: "n" }, num(s.count)),
        el("td", { class: "n" }, num(s.p50)),
        el("td", { class: "n" }, num(s.p90)),
        el("td", { class: "n" }, num(s.p99)),
        el("td", { class: "n" }, num(s.max)),
      ),
    );
    return table(["f", "outcome", "ops", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows, {
      class: "compact latency-table",
    });
  }

  function faultTable() {
    if (data.faults.length === 0 && data.nemesisEvents.length === 0) {
      return el("p", { class: "muted" }, "No faults were injected.");
    }
    const rows = [
      ...data.faults.map((f) => ({
        at: f.startS,
        cells: [
          el("td", { class: "fault-kind" }, el("span", { class: `swatch ${f.kind}` }), f.kind),
          el("td", { class: "n" }, `${num(f.startS)} – ${num(f.endS)} s`),
          el("td", { class: "n" }, `${num(f.endS - f.startS)} s`),
          el("td", {}, f.targets),
          el(
            "td",
            {},
            f.outcome === "ok" ? "ok" : el("span", { class: "warn" }, f.outcome),
            f.healed ? "" : el("span", { class: "warn" }, " (never healed)"),
          ),
          el(
            "td",
            { class: "refs" },
            f.ops.map((i) => el("span", { class: "op-ref" }, `#${i}`)),
          ),
        ],
      })),
      ...data.nemesisEvents.map((e) => ({
        at: e.timeS,
        cells: [
          el("td", { class: "fault-kind" }, el("span", { class: "swatch event" }), e.f),
          el("td", { class: "n" }, `${num(e.timeS)} s`),
          el("td", {}, ""),
          el("td", {}, e.detail),
          el("td", {}, e.outcome === "ok" ? "ok" : el("span", { class: "warn" }, e.outcome)),
          el("td", { class: "refs" }, el("span", { class: "op-ref" }, `#${e.index}`)),
        ],
      })),
    ]
      .sort((a, b) => a.at - b.at)
      .map((row) => el("tr", {}, row.cells));
    return table(["fault", "when", "lasted", "targets", "start step", "ops"], rows, {
      class: "compact faults",
    });
  }

  function plots() {
    const lat = data.latency;
    const tpBox = el("div", { class: "plot" });
    const latBox = el("div", { class: "plot" });
    const readout = el("div", { class: "readout" });
    const sampled =
      lat.shown < lat.total
        ? ` Showing ${num(lat.shown)} of ${num(lat.total)} ops, sampled evenly in time; every failed or indeterminate op is kept while they fit in half the points.`
        : "";
    const node = section(
      "timeline",
      "Timeline",
      faultKey(),
      el("h3", {}, "Throughput"),
      tpBox,
      el("h3", {}, "Latency"),
      el("p", { class: "caption" }, `One point per completed op.${sampled}`),
      latBox,
      readout,
      el(
        "div",
        { class: "side-by-side" },
        el("div", {}, el("h3", {}, "Latency by op"), latencyTable()),
        el("div", {}, el("h3", {}, "Faults"), faultTable()),
      ),
    );
    // uPlot measures its container, so the plots are drawn once the section is in the page.
    requestAnimationFrame(() => {
      if (typeof uPlot === "undefined") {
        tpBox.append(el("p", { class: "error" }, "uPlot did not load: the plots cannot be drawn."));
        return;
      }
      throughputPlot(tpBox);
      if (lat.t.length > 0) latencyPlot(latBox, readout);
      else latBox.append(el("p", { class: "muted" }, "No op completed."));
    });
    return node;
  }

  // ---- final reads ------------------------------------------------------------------------

  function finalReads() {
    const fr = data.finalReads;
    if (!fr) {
      return section(
        "final-reads",
        "Final reads",
        el("p", { class: "muted" }, "The history has no final reads (an interrupted run?)."),
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
              ? el("div", { class: "bad-text small" }, `lacks ${num(cell.missing)} items`)
              : null,
            el(
              "div",
              { class: "small muted" },
              cell.round !== undefined ? `round ${cell.round}` : "",
              cell.index !== undefined ? ` · op #${cell.index}` : "",
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
        `Each node's last final read of each key after the final heal (${fr.rounds} round${fr.rounds === 1 ? "" : "s"}): ${agreed} of ${fr.rows.length} keys agree on every node. Cells of one colour hold the same value.`,
      ),
      table(["key", "nodes", ...fr.nodes], rows, { class: "compact final-reads" }),
    );
  }

  // ---- anomalies --------------------------------------------------------------------------

  function opTable(window) {
    const rows = [];
    const focusKey = window.rows.find((op) => op.index === window.focus)?.key;
    let previous;
    for (const op of window.rows) {
      if (previous !== undefined && op.index > previous + 1) {
        rows.push(
          el(
            "tr",
            { class: "gap" },
            el("td", { colspan: 9 }, `⋯ ${op.index - previous - 1} ops ⋯`),
          ),
        );
      }
      previous = op.index;
      const focus = op.index === window.focus;
      const otherKey = focusKey !== undefined && op.key !== undefined && op.key !== focusKey;
      rows.push(
        el(
          "tr",
          {
            class: `${op.type}${focus ? " focus" : ""}${otherKey ? " other-key" : ""}`,
            id: focus ? `op-${op.index}` : undefined,
          },
          el("td", { class: "n op-index" }, op.index),
          el("td", { class: "n" }, num(op.timeS)),
          el("td", {}, op.process),
          el("td", {}, el("span", { class: `type ${op.type}` }, op.type)),
          el("td", {}, op.f),
          el("td", {}, op.key || ""),
          el("td", {}, op.node || ""),
          el("td", { class: "value" }, op.value),
          el("td", { class: "error" }, op.error || ""),
        ),
      );
    }
    return table(["#", "time s", "process", "type", "f", "key", "node", "value", "error"], rows, {
      class: "compact ops",
    });
  }

  function anomalies() {
    const parts = [];
    if (data.anomalies.length === 0) {
      parts.push(el("p", { class: "muted" }, "No checker reported an anomaly."));
    }
    for (const a of data.anomalies) {
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
          el("h4", {}, `${anomaly.name} ×${num(anomaly.count)}${shown}`),
          rows.length > 0 ? table([...fields, "ops"], rows, { class: "compact" }) : null,
        );
      });
      parts.push(
        el(
          "div",
          { class: `card ${verdictClass(a.valid)}`, id: `checker-${a.checker}` },
          el(
            "h3",
            {},
            a.checker,
            " ",
            pill(a.valid),
            a.valid === true
              ? el("span", { class: "muted small" }, " reported, allowed by the test's claims")
              : null,
          ),
          a.error ? el("p", { class: "error" }, a.error) : null,
          a.explanation ? el("p", { class: "explanation" }, a.explanation) : null,
          blocks,
        ),
      );
    }
    if (data.windows.length > 0) {
      parts.push(el("h3", {}, "The ops around each counterexample"));
      parts.push(
        el(
          "p",
          { class: "caption" },
          "Each op named above, highlighted, with the ops just before and after it in the history and its invoke or completion.",
        ),
      );
      for (const w of data.windows) {
        parts.push(
          el(
            "div",
            { class: "window" },
            el(
              "div",
              { class: "window-title" },
              `op #${w.focus}`,
              el("span", { class: "muted" }, ` — named by ${w.checkers.join(", ")}`),
            ),
            opTable(w),
          ),
        );
      }
    }
    return section("anomalies", "Anomalies", parts);
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
      el(
        "details",
        {},
        el("summary", {}, "As a test file (faultline run this.yaml)"),
        el("pre", {}, data.reproduce.testFile),
      ),
      el(
        "details",
        {},
        el("summary", {}, "test.json"),
        el("pre", {}, JSON.stringify(data.test, null, 2)),
      ),
    );
  }

  function filesSection() {
    const describe = (path) =>
      path.endsWith(".log")
        ? "node log"
        : path.endsWith(".dump.json")
          ? "node state at the end (GET /admin/dump)"
          : path === "history.jsonl"
            ? "the history, one op a line"
            : path === "results.json"
              ? "the checkers' full results"
              : path === "test.json"
                ? "the resolved test"
                : "";
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
      ["timeline", "Timeline"],
      ["final-reads", "Final reads"],
      ["anomalies", "Anomalies"],
      ["test", "Test"],
      ["files", "Files"],
    ];
    return el(
      "nav",
      {},
      links.map(([id, name]) => el("a", { href: `#${id}` }, name)),
    );
  }

  document.title = `${verdictWord(data.verdict)} · ${data.title} · faultline`;
  root.replaceChildren(
    header(),
    nav(),
    checkerTable(),
    plots(),
    finalReads(),
    anomalies(),
    testSection(),
    filesSection(),
  );
  // The page is drawn after load, so a link to one of its parts (#op-7) scrolls here.
  if (location.hash.length > 1) {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) requestAnimationFrame(() => target.scrollIntoView());
  }
})();
