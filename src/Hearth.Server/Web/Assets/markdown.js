// A small, safe Markdown renderer for chat messages. Safety comes from the order of work:
// ALL text is HTML-escaped first, and only then are the few constructs below turned into tags,
// so nothing the model writes can become markup of its own. Links keep only http(s) and mailto URLs.
// Supported: ``` code fences, `inline code`, **bold**, *italic* / _italic_, [text](url),
// "- " / "* " bullet lists, "1. " numbered lists, # headings, paragraphs and line breaks.
(function () {
  "use strict";

  function escapeHtml(text) {
    return text.replace(/\u0000/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // Input is already escaped. Inline code is cut out first so its contents stay literal.
  function inline(text) {
    const codes = [];
    text = text.replace(/`([^`\n]+)`/g, function (_, code) {
      codes.push("<code>" + code + "</code>");
      return "\u0000" + (codes.length - 1) + "\u0000";
    });
    text = text.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, function (match, label, url) {
      // url is escaped text; &amp; etc. are valid inside an attribute value.
      if (!/^(https?:\/\/|mailto:)/i.test(url)) return label;
      return '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' + label + "</a>";
    });
    text = text.replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>");
    text = text.replace(/__([^_\n]+)__/g, "<strong>$1</strong>");
    text = text.replace(/(^|[^*\w])\*([^*\n]+)\*(?!\w)/g, "$1<em>$2</em>");
    text = text.replace(/(^|[^_\w])_([^_\n]+)_(?!\w)/g, "$1<em>$2</em>");
    return text.replace(/\u0000(\d+)\u0000/g, function (_, i) { return codes[Number(i)]; });
  }

  function render(source) {
    const lines = escapeHtml(String(source)).split("\n");
    const out = [];
    let paragraph = [];
    let list = null; // { tag: "ul" | "ol", items: [] }

    function flushParagraph() {
      if (paragraph.length) out.push("<p>" + paragraph.map(inline).join("<br>") + "</p>");
      paragraph = [];
    }
    function flushList() {
      if (list) out.push("<" + list.tag + ">" + list.items.map(function (i) { return "<li>" + inline(i) + "</li>"; }).join("") + "</" + list.tag + ">");
      list = null;
    }

    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const fence = /^\s*```\s*([\w+-]*)\s*$/.exec(line);
      if (fence) {
        flushParagraph(); flushList();
        const code = [];
        i++;
        while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) { code.push(lines[i]); i++; }
        const cls = fence[1] ? ' class="language-' + fence[1] + '"' : "";
        out.push("<pre><code" + cls + ">" + code.join("\n") + "</code></pre>");
        continue;
      }
      const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
      const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        flushParagraph();
        const tag = bullet ? "ul" : "ol";
        if (list && list.tag !== tag) flushList();
        if (!list) list = { tag: tag, items: [] };
        list.items.push((bullet || numbered)[1]);
        continue;
      }
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      if (heading) {
        flushParagraph(); flushList();
        const level = heading[1].length;
        out.push("<h" + level + ">" + inline(heading[2]) + "</h" + level + ">");
        continue;
      }
      if (line.trim() === "") { flushParagraph(); flushList(); continue; }
      flushList();
      paragraph.push(line);
    }
    flushParagraph(); flushList();
    return out.join("");
  }

  window.HearthMarkdown = { render: render, escapeHtml: escapeHtml };
})();
