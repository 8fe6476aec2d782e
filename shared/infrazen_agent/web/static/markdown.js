// Markdown to DOM nodes, never to HTML strings: headings, paragraphs, lists, tables, code,
// quotes, **bold**, _italic_, `code`. Whatever a model writes stays text (no tags, no links to
// follow). Numbers the final message's grounding lists become buttons that show their source.
(function () {
  "use strict";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const INLINE = /(\*\*[^*]+\*\*|`[^`]+`|(?<![\w*])_[^_\n]+_(?![\w]))/g;

  function inline(parent, text, ctx) {
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) numbers(parent, text.slice(last, m.index), ctx);
      const tok = m[0];
      if (tok.startsWith("**")) { const b = el("strong"); numbers(b, tok.slice(2, -2), ctx); parent.append(b); }
      else if (tok.startsWith("`")) parent.append(el("code", null, tok.slice(1, -1)));
      else { const i = el("em"); numbers(i, tok.slice(1, -1), ctx); parent.append(i); }
      last = m.index + tok.length;
    }
    if (last < text.length) numbers(parent, text.slice(last), ctx);
  }

  // Each grounded figure's text ("14 252,74 ₽/мес") is found in the text, in order of appearance.
  function numbers(parent, text, ctx) {
    const figures = ctx.numbers;
    if (!figures.length) { parent.append(text); return; }
    let rest = text;
    while (rest) {
      let best = null;
      for (const n of figures) {
        if (!n.text) continue;
        const at = rest.indexOf(n.text);
        if (at >= 0 && (best === null || at < best.at || (at === best.at && n.text.length > best.n.text.length))) {
          best = { at, n };
        }
      }
      if (!best) { parent.append(rest); return; }
      if (best.at > 0) parent.append(rest.slice(0, best.at));
      const button = el("button", best.n.traced ? "num" : "num untraced", best.n.text);
      button.type = "button";
      button.addEventListener("click", (ev) => ctx.onNumber(best.n, ev.currentTarget));
      parent.append(button);
      rest = rest.slice(best.at + best.n.text.length);
    }
  }

  function cells(line) {
    return line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
  }

  function render(source, figures, onNumber) {
    const ctx = { numbers: (figures || []).filter((n) => n && n.text), onNumber: onNumber || (() => {}) };
    const out = document.createDocumentFragment();
    const lines = String(source || "").replace(/\r/g, "").split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (!line.trim()) { i++; continue; }
      if (line.startsWith("```")) {
        const code = [];
        i++;
        while (i < lines.length && !lines[i].startsWith("```")) code.push(lines[i++]);
        i++;
        const pre = el("pre");
        pre.append(el("code", null, code.join("\n")));
        out.append(pre);
        continue;
      }
      const h = /^(#{1,4})\s+(.*)$/.exec(line);
      if (h) { const node = el("h" + Math.min(6, h[1].length + 2)); inline(node, h[2], ctx); out.append(node); i++; continue; }
      if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?[\s:|-]+\|?\s*$/.test(lines[i + 1])) {
        const table = el("table", "md");
        const head = el("tr");
        for (const c of cells(line)) { const th = el("th"); inline(th, c, ctx); head.append(th); }
        const thead = el("thead"); thead.append(head); table.append(thead);
        const body = el("tbody");
        i += 2;
        while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i])) {
          const tr = el("tr");
          for (const c of cells(lines[i])) { const td = el("td"); inline(td, c, ctx); tr.append(td); }
          body.append(tr);
          i++;
        }
        table.append(body);
        out.append(table);
        continue;
      }
      const item = /^\s*(?:[-*•]|(\d+)[.)])\s+(.*)$/;
      if (item.test(line)) {
        const ordered = Boolean(item.exec(line)[1]);
        const list = el(ordered ? "ol" : "ul");
        while (i < lines.length && item.test(lines[i])) {
          const li = el("li");
          inline(li, item.exec(lines[i])[2], ctx);
          list.append(li);
          i++;
        }
        out.append(list);
        continue;
      }
      if (/^>\s?/.test(line)) {
        const quote = el("blockquote");
        while (i < lines.length && /^>\s?/.test(lines[i])) { inline(quote, lines[i].replace(/^>\s?/, "") + " ", ctx); i++; }
        out.append(quote);
        continue;
      }
      if (/^-{3,}\s*$/.test(line)) { out.append(el("hr")); i++; continue; }
      const para = el("p");
      const text = [];
      while (i < lines.length && lines[i].trim() && !/^(#{1,4}\s|```|\s*[-*•]\s|\s*\d+[.)]\s|>|\s*\|)/.test(lines[i])) {
        text.push(lines[i++]);
      }
      if (!text.length) text.push(lines[i++]);
      inline(para, text.join(" "), ctx);
      out.append(para);
    }
    return out;
  }

  window.Markdown = { render };
})();
