/* statusgen's live script. Pages are whole without it; with it, a page of the present stays
   current between builds: each minute it asks api/v2/status.json whether the site has news
   this page lacks and offers to show it, it turns a promised update whose time has passed
   into "overdue", and it keeps relative times ("5 minutes ago") current. Its words come from
   the page (inert <template>s) and the browser (Intl); nothing is parsed as HTML. */
(function () {
  "use strict";
  var live = document.querySelector(".live[data-updated]");
  if (!live || !window.Intl || !Intl.RelativeTimeFormat) return;
  var since = Date.parse(live.getAttribute("data-updated"));
  // Relative times only in the page's own language: a browser without it says none.
  var lang = document.documentElement.lang;
  var words = Intl.RelativeTimeFormat.supportedLocalesOf([lang]).length ?
    new Intl.RelativeTimeFormat(lang, {numeric: "auto"}) : null;
  var told = false;

  function relative(ms) {
    var seconds = Math.trunc(ms / 1000), size = Math.abs(seconds);
    if (size < 60) return words.format(0, "second");
    if (size < 3600) return words.format(Math.round(seconds / 60), "minute");
    if (size < 172800) return words.format(Math.round(seconds / 3600), "hour");
    if (size < 5184000) return words.format(Math.round(seconds / 86400), "day");
    if (size < 63115200) return words.format(Math.round(seconds / 2629800), "month");
    return words.format(Math.round(seconds / 31557600), "year");
  }

  function overdue(now) {  // the page's words for it, around the promise's own time
    document.querySelectorAll(".next:not(.overdue)").forEach(function (shown) {
      var time = shown.querySelector("time"), words;
      if (time && Date.parse(time.dateTime) < now) {
        words = live.querySelector("template.overdue").content.cloneNode(true);
        words.querySelector("slot").replaceWith(time);
        shown.replaceChildren(words);
        shown.classList.add("overdue");
      }
    });
  }

  function times(now) {
    if (!words) return;
    document.querySelectorAll("[data-ago] time").forEach(function (time) {
      var at = Date.parse(time.dateTime), note = time.nextElementSibling;
      if (isNaN(at)) return;
      if (!note || !note.classList.contains("ago")) {
        note = document.createElement("span");
        note.className = "ago";
        time.after(note);
      }
      note.textContent = " (" + relative(at - now) + ")";
    });
  }

  function news(data) {
    var newer = data && data.page ? Date.parse(data.page.updated_at) : NaN;
    if (told || !(newer > since)) return;
    told = true;
    live.append(live.querySelector("template.news").content.cloneNode(true));
    live.querySelector("button").addEventListener("click", function () {
      location.reload();
    });
  }

  function check() {
    if (told || document.hidden || !/^https?:$/.test(location.protocol)) return;
    fetch(live.getAttribute("data-status"), {cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(news, function () {});  // offline: the next minute will tell
  }

  function show() {
    var now = Date.now();
    overdue(now);
    times(now);
  }

  show();
  setInterval(function () { show(); check(); }, 60000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { show(); check(); }
  });
})();
