(function () {
  "use strict";
  var CONFIG = {"base": "https://status.example.org/golden/", "up": "", "names": "en-GB", "lang": "en-GB", "dir": "ltr", "ids": {"website": "qyg2olactxlt", "app": "g2bwa6ystaow", "stores": "hk2kp2vedmw4"}, "words": {"minor": "Minor impact", "major": "Major impact", "critical": "Critical impact", "maintenance": "Maintenance in progress", "investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring", "in_progress": "In progress", "verifying": "Verifying", "more": "What still works", "details": "Details", "dismiss": "Dismiss"}, "css": ":host{all: initial;display: block;}:host([hidden]){display: none;}.banner{--tone: #8f5d00;display: flex;align-items: center;gap: .75rem;padding: .6rem 1rem;border-top: 4px solid var(--tone);background: #f6f5f2;color: #141414;font: 1rem/1.45 system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif;}.major{--tone: #b0440e;}.critical{--tone: #a0111b;}.maintenance{--tone: #1d4f91;}p{flex: 1;margin: 0;overflow-wrap: anywhere;}strong{margin-right: .35rem;}.status{color: #4f4f4f;}a{margin-left: .5rem;color: inherit;font-weight: 600;}a:focus-visible, button:focus-visible{outline: 3px solid currentColor;outline-offset: 2px;}button{flex: none;width: 2.75rem;height: 2.75rem;border: 0;background: none;color: inherit;font: inherit;font-size: 1.5rem;cursor: pointer;}@media (prefers-color-scheme: dark){.banner{--tone: #f0c14f;background: #1c1b19;color: #edece8;}.major{--tone: #ff9e60;}.critical{--tone: #ff8d96;}.maintenance{--tone: #8db9ff;}.status{color: #aaa9a4;}}"};
  var script = document.currentScript;
  if (!script || !window.fetch || !Element.prototype.attachShadow) return;
  var framed = script.hasAttribute("data-query");  // embed.html: the list is in its address
  var base = script.src.replace(/[^/]*$/, "");
  var listed = (framed ? new URLSearchParams(location.search).get("components")
                       : script.getAttribute("data-components")) || "";
  var wanted = listed.split(",").map(function (id) { return CONFIG.ids[id.trim()]; });
  var RANK = {minor: 2, major: 3, critical: 4};
  var KEY = "statusgen-embed " + base;
  var home = base + CONFIG.up;  // the site's root, where the API is
  var host, banner;

  function weight(item) {  // 0: not shown
    if (item.status === "in_progress" || item.status === "verifying") return 1;
    return item.resolved_at === null && RANK[item.impact] || 0;
  }

  function touches(item) {
    return !listed || item.components.some(function (c) { return wanted.indexOf(c.id) >= 0; });
  }

  function worst(summary) {  // the heaviest, then the newest
    var found = null;
    summary.incidents.concat(summary.scheduled_maintenances).forEach(function (item) {
      var w = weight(item);
      if (w && touches(item) && (!found || w > weight(found) ||
                                 w === weight(found) && item.started_at > found.started_at)) {
        found = item;
      }
    });
    return found;
  }

  function seen(item) {  // what a dismissal remembers: this incident, as of this update
    return item.id + " " + item.updated_at;
  }

  function dismissed(item) {
    try { return localStorage.getItem(KEY) === seen(item); } catch (e) { return false; }
  }

  function add(parent, tag, text) {
    var made = parent.appendChild(document.createElement(tag));
    if (text) made.textContent = text;
    return made;
  }

  function place() {
    host = document.createElement("div");
    var root = host.attachShadow({mode: "open"});
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CONFIG.css);
      root.adoptedStyleSheets = [sheet];
    } catch (e) { add(root, "style", CONFIG.css); }  // an older browser
    banner = add(root, "div");
    banner.setAttribute("role", "status");
    banner.lang = CONFIG.lang;  // the site's language, whatever the host page's
    banner.dir = CONFIG.dir;
    if (framed) document.body.style.margin = "0";
    if (script.parentNode && script.parentNode !== document.head) {
      script.parentNode.insertBefore(host, script);
    } else {
      document.body.insertBefore(host, document.body.firstChild);
    }
  }

  function show(item) {
    if (!item || dismissed(item)) {
      if (host) host.hidden = true;
      return;
    }
    if (!host) place();
    var words = CONFIG.words, impact = weight(item) > 1 ? item.impact : "maintenance";
    var own = item.shortlink.indexOf(CONFIG.base) === 0;
    banner.className = "banner " + impact;
    banner.replaceChildren();
    var text = add(banner, "p");
    add(text, "strong", words[impact]);
    text.append(" ");
    if (CONFIG.names === CONFIG.lang) text.append(item.name);
    else add(text, "span", item.name).lang = CONFIG.names;  // the API's language
    text.append(" ");
    add(text, "span", "(" + (words[item.status] || item.status) + ")").className = "status";
    text.append(" ");
    var more = add(text, "a", words[impact === "maintenance" ? "details" : "more"]);
    more.href = own ? base + item.shortlink.slice(CONFIG.base.length) : item.shortlink;
    if (framed) more.target = "_top";
    var close = add(banner, "button", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", words.dismiss);
    close.addEventListener("click", function () {
      try { localStorage.setItem(KEY, seen(item)); } catch (e) { /* shown again next load */ }
      host.hidden = true;
    });
    host.hidden = false;
  }

  function check() {
    fetch(home + "api/v2/summary.json", {cache: "no-cache", credentials: "omit"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (summary) { if (summary) show(worst(summary)); })
      .catch(function () { /* unreachable: the next check will tell */ });
  }

  if (document.body) check(); else document.addEventListener("DOMContentLoaded", check);
  setInterval(check, 300000);
})();
