// Slack mrkdwn -> safe HTML. Everything is HTML-escaped first; only the markup produced
// here (b, i, s, code, pre, a, span) reaches the page. Links are restricted to http(s)/mailto.
"use strict";

const Mrkdwn = (() => {
  const EMOJI = {
    eyes: "👀", white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️",
    hourglass: "⌛", hourglass_flowing_sand: "⏳", bar_chart: "📊", chart_with_upwards_trend: "📈",
    page_facing_up: "📄", mag: "🔍", thumbsup: "👍", "+1": "👍", thumbsdown: "👎", no_entry: "⛔",
    no_entry_sign: "🚫", pencil2: "✏️", pencil: "📝", rocket: "🚀", tada: "🎉", robot_face: "🤖",
    lock: "🔒", books: "📚", book: "📖", card_index_dividers: "🗂️", file_folder: "📁",
    information_source: "ℹ️", bulb: "💡", question: "❓", exclamation: "❗", wave: "👋",
    floppy_disk: "💾", outbox_tray: "📤", inbox_tray: "📥", arrows_counterclockwise: "🔄",
    repeat: "🔁", hammer_and_wrench: "🛠️", clipboard: "📋", link: "🔗", speech_balloon: "💬",
    thinking_face: "🤔", memo: "📝", database: "🗄️", card_file_box: "🗃️", gear: "⚙️",
    red_circle: "🔴", large_green_circle: "🟢", large_yellow_circle: "🟡", sparkles: "✨",
    stopwatch: "⏱️", calendar: "📅", busts_in_silhouette: "👥", bust_in_silhouette: "👤",
  };

  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  // Slack text arrives with &amp; &lt; &gt; already escaped; decode before escaping for HTML.
  function unslack(s) {
    return String(s).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }
  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : null;
  }
  function emoji(name) {
    return EMOJI[name] || `:${name}:`;
  }

  // ctx: {users: {id: {name}}, channels: {id: name}}
  function token(inner, ctx) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const u = ctx.users[target.slice(1)];
      const name = u ? (u.is_bot ? u.real_name : u.name) : target.slice(1);
      return `<span class="mention">@${escapeHtml(label || name)}</span>`;
    }
    if (target.startsWith("#")) {
      const name = label || ctx.channels[target.slice(1)] || target.slice(1);
      return `<span class="mention">#${escapeHtml(name)}</span>`;
    }
    if (target.startsWith("!")) {
      const special = target.slice(1).split("^")[0];
      return `<span class="mention broadcast">@${escapeHtml(label || special)}</span>`;
    }
    const url = safeUrl(unslack(target));
    const text = escapeHtml(unslack(label || target));
    return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>` : text;
  }
  function splitOnce(s, sep) {
    const i = s.indexOf(sep);
    return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
  }

  function render(text, ctx) {
    ctx = ctx || { users: {}, channels: {} };
    const held = [];
    const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
    let s = String(text || "").replace(/\u0000/g, "");
    s = s.replace(/```\n?([\s\S]*?)```/g, (_, code) => hold(`<pre class="code">${escapeHtml(unslack(code))}</pre>`));
    s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${escapeHtml(unslack(code))}</code>`));
    s = s.replace(/<([^<>\n]+)>/g, (_, inner) => hold(token(inner, ctx)));
    s = escapeHtml(unslack(s));
    s = s.replace(/(^|[\s(>])\*(?!\s)([^*\n]+?)\*(?=$|[\s.,;:!?)<])/g, "$1<b>$2</b>");
    s = s.replace(/(^|[\s(>])_(?!\s)([^_\n]+?)_(?=$|[\s.,;:!?)<])/g, "$1<i>$2</i>");
    s = s.replace(/(^|[\s(>])~(?!\s)([^~\n]+?)~(?=$|[\s.,;:!?)<])/g, "$1<s>$2</s>");
    s = s.replace(/:([a-z0-9_+-]+):/g, (m, name) => (EMOJI[name] ? EMOJI[name] : m));
    s = s.split("\n").map((line) => {
      if (/^&gt;\s?/.test(line)) return `<span class="quote">${line.replace(/^&gt;\s?/, "")}</span>`;
      if (/^\s*[•◦▪-]\s+/.test(line)) return `<span class="bullet">${line.replace(/^\s*[•◦▪-]\s+/, "• ")}</span>`;
      return line;
    }).join("<br>");
    s = s.replace(/(<\/span>)<br>/g, "$1");
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => held[Number(i)]);
  }

  return { render, escapeHtml, emoji, safeUrl };
})();
