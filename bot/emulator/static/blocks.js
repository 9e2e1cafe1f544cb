// Block Kit -> DOM. Text goes through Mrkdwn.render (escaped) or textContent; nothing else
// is inserted as HTML. Images load only from this emulator (no internet at run time).
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;  // only ever Mrkdwn.render output
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const Blocks = (() => {
  // A Slack file URL (url_private, permalink) served by this emulator -> the page's own file route.
  function fileUrl(url) {
    const m = /\/files-pri\/[^/-]+-(F[A-Z0-9]+)\//.exec(url || "");
    return m ? `/emu/files/${m[1]}` : null;
  }
  function imageSource(block) {
    if (block.slack_file) return block.slack_file.id ? `/emu/files/${block.slack_file.id}` : fileUrl(block.slack_file.url);
    const url = block.image_url || "";
    if (fileUrl(url)) return fileUrl(url);
    if (url.startsWith("data:image/") || url.startsWith("/")) return url;
    if (url.startsWith(location.origin + "/")) return url;
    return null;  // external: not fetched
  }

  function textObject(obj, ctx) {
    if (!obj) return el("span");
    if (obj.type === "plain_text") return el("span", { class: "plain" }, obj.text || "");
    return el("span", { class: "mrkdwn", html: Mrkdwn.render(obj.text || "", ctx) });
  }

  function richElements(elements, ctx) {
    return (elements || []).map((e) => {
      let node;
      if (e.type === "text") node = el("span", {}, e.text || "");
      else if (e.type === "link") {
        const url = Mrkdwn.safeUrl(e.url || "");
        node = url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, e.text || e.url) : el("span", {}, e.text || e.url);
      } else if (e.type === "user") {
        const u = ctx.users[e.user_id];
        node = el("span", { class: "mention" }, "@" + (u ? (u.is_bot ? u.real_name : u.name) : e.user_id));
      } else if (e.type === "channel") node = el("span", { class: "mention" }, "#" + (ctx.channels[e.channel_id] || e.channel_id));
      else if (e.type === "emoji") node = el("span", {}, e.unicode ? String.fromCodePoint(...e.unicode.split("-").map((h) => parseInt(h, 16))) : Mrkdwn.emoji(e.name));
      else if (e.type === "broadcast") node = el("span", { class: "mention broadcast" }, "@" + e.range);
      else node = el("span", {}, e.text || "");
      const style = e.style || {};
      if (style.code) node = el("code", {}, node);
      if (style.bold) node = el("b", {}, node);
      if (style.italic) node = el("i", {}, node);
      if (style.strike) node = el("s", {}, node);
      return node;
    });
  }

  function richText(block, ctx) {
    return el("div", { class: "rich-text" }, (block.elements || []).map((part) => {
      if (part.type === "rich_text_section") return el("div", {}, richElements(part.elements, ctx));
      if (part.type === "rich_text_preformatted") return el("pre", { class: "code" }, richElements(part.elements, ctx));
      if (part.type === "rich_text_quote") return el("div", { class: "quote" }, richElements(part.elements, ctx));
      if (part.type === "rich_text_list") {
        return el(part.style === "ordered" ? "ol" : "ul", {}, (part.elements || []).map((item) => el("li", {}, richElements(item.elements, ctx))));
      }
      return null;
    }));
  }

  function cell(c, ctx) {
    if (!c) return "";
    if (c.type === "raw_text") return c.text || "";
    if (c.type === "rich_text") return richText(c, ctx);
    return c.text || "";
  }

  function table(block, ctx) {
    const settings = block.column_settings || [];
    const rows = block.rows || [];
    const align = (i) => (settings[i] && settings[i].align) || "left";
    return el("div", { class: "table-wrap" }, el("table", { class: "block-table", "data-testid": "block-table" },
      rows.length ? el("thead", {}, el("tr", {}, rows[0].map((c, i) => el("th", { style: `text-align:${align(i)}` }, cell(c, ctx))))) : null,
      el("tbody", {}, rows.slice(1).map((row) => el("tr", {}, row.map((c, i) => el("td", { style: `text-align:${align(i)}` }, cell(c, ctx))))))));
  }

  function image(block) {
    const src = imageSource(block);
    const title = block.title ? el("div", { class: "image-title" }, block.title.text || "") : null;
    if (!src) return el("div", { class: "image-external" }, title, `[image not loaded: ${block.alt_text || block.image_url}]`);
    return el("figure", { class: "block-image" }, title, el("img", { src, alt: block.alt_text || "", loading: "lazy" }));
  }

  function button(element, ctx, blockId, actions) {
    const classes = ["btn", element.style ? `btn-${element.style}` : ""].join(" ");
    return el("button", {
      type: "button", class: classes, "data-action-id": element.action_id || "", "data-block-id": blockId,
      onclick: () => {
        if (element.url) window.open(element.url, "_blank", "noopener");
        if (element.confirm) {
          const c = element.confirm;
          const question = [c.title && c.title.text, c.text && c.text.text].filter(Boolean).join("\n\n");
          if (!window.confirm(question || "Are you sure?")) return;
        }
        actions.click(element);
      },
    }, (element.text && element.text.text) || element.action_id || "button");
  }

  function element(e, ctx, blockId, actions) {
    if (e.type === "button") return button(e, ctx, blockId, actions);
    if (e.type === "image") {
      const src = imageSource(e);
      return src ? el("img", { class: "inline-image", src, alt: e.alt_text || "" }) : el("span", { class: "muted" }, `[${e.alt_text || "image"}]`);
    }
    return el("span", { class: "unsupported" }, `[${e.type}]`);
  }

  function input(block, ctx, errors, values) {
    const e = block.element || {};
    const id = `${block.block_id}::${e.action_id}`;
    let control;
    if (e.type === "plain_text_input") {
      const attrs = { "data-block-id": block.block_id, "data-action-id": e.action_id, name: id, placeholder: (e.placeholder || {}).text };
      control = e.multiline ? el("textarea", { ...attrs, rows: 6 }) : el("input", { ...attrs, type: "text" });
      control.value = values[id] !== undefined ? values[id] : e.initial_value || "";
    } else if (e.type === "static_select") {
      control = el("select", { "data-block-id": block.block_id, "data-action-id": e.action_id, "data-kind": "static_select", name: id },
        (e.options || []).map((o) => el("option", { value: o.value }, (o.text || {}).text || o.value)));
      if (e.initial_option) control.value = e.initial_option.value;
    } else {
      control = el("span", { class: "unsupported" }, `[${e.type}]`);
    }
    const error = errors && errors[block.block_id];
    return el("label", { class: "input-block" },
      el("span", { class: "input-label" }, (block.label || {}).text || ""),
      control,
      block.hint ? el("span", { class: "muted" }, block.hint.text) : null,
      error ? el("span", { class: "input-error", "data-testid": "input-error" }, error) : null);
  }

  // actions: {click(element, blockId)}; opts: {errors, values} for modal inputs.
  function render(blocks, ctx, actions, opts) {
    opts = opts || {};
    return el("div", { class: "blocks" }, (blocks || []).map((block, index) => {
      const blockId = block.block_id || `b${index}`;
      const act = { click: (e) => actions.click(e, blockId) };
      switch (block.type) {
        case "section":
          return el("div", { class: "block-section" },
            el("div", { class: "section-body" },
              block.text ? textObject(block.text, ctx) : null,
              block.fields ? el("div", { class: "fields" }, block.fields.map((f) => textObject(f, ctx))) : null),
            block.accessory ? el("div", { class: "accessory" }, element(block.accessory, ctx, blockId, act)) : null);
        case "header":
          return el("h3", { class: "block-header" }, (block.text || {}).text || "");
        case "divider":
          return el("hr");
        case "context":
          return el("div", { class: "block-context" }, (block.elements || []).map((e) =>
            e.type === "image" ? element(e, ctx, blockId, act) : textObject(e, ctx)));
        case "actions":
          return el("div", { class: "block-actions" }, (block.elements || []).map((e) => element(e, ctx, blockId, act)));
        case "image":
          return image(block);
        case "table":
          return table(block, ctx);
        case "rich_text":
          return richText(block, ctx);
        case "markdown":
          return el("div", { class: "mrkdwn", html: Mrkdwn.render((block.text || "").replace(/\*\*(.+?)\*\*/g, "*$1*"), ctx) });
        case "input":
          return input(block, ctx, opts.errors, opts.values || {});
        default:
          return el("div", { class: "unsupported" }, `[${block.type} block]`);
      }
    }));
  }

  return { render, fileUrl };
})();
