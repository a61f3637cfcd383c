/* Vitrine: progressive enhancements (loaded with defer). Every page works without this file. */
(function () {
  "use strict";

  var root = document.documentElement;
  var THEME_KEY = "vitrine-theme";
  var THEMES = ["system", "light", "dark"];

  /* Screen-reader announcements --------------------------------------------------------- */
  var live;
  function announce(message) {
    if (!live) {
      live = document.createElement("div");
      live.className = "sr-only";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = "";
    setTimeout(function () { live.textContent = message; }, 60);
  }

  /* Theme switch: system → light → dark → system, remembered in localStorage ------------ */
  /* Without a saved choice the site default applies (data-default-theme on <html>). */
  function siteDefaultTheme() {
    var t = root.getAttribute("data-default-theme");
    return t === "light" || t === "dark" ? t : "system";
  }

  function storedTheme() {
    try {
      var t = localStorage.getItem(THEME_KEY);
      return t === "light" || t === "dark" || t === "system" ? t : siteDefaultTheme();
    } catch (e) {
      return root.getAttribute("data-theme") || "system";
    }
  }

  function applyTheme(pref) {
    if (pref === "system") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", pref);
    var next = THEMES[(THEMES.indexOf(pref) + 1) % THEMES.length];
    var label = "Colour theme: " + pref + " (switch to " + next + ")";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (btn) {
      btn.setAttribute("aria-label", label);
      btn.title = label;
    });
  }

  function saveTheme(pref) {
    /* "system" is stored too: it is a choice that must win over a light or dark site default. */
    try {
      localStorage.setItem(THEME_KEY, pref);
    } catch (e) { /* not persisted; still applied for this page */ }
  }

  function cycleTheme() {
    var current = root.getAttribute("data-theme") || "system";
    var pref = THEMES[(THEMES.indexOf(current) + 1) % THEMES.length];
    saveTheme(pref);
    applyTheme(pref);
    announce("Colour theme: " + pref);
  }

  window.addEventListener("storage", function (e) {
    if (e.key === THEME_KEY) applyTheme(storedTheme());
  });

  /* Copy to clipboard: <button data-copy="ID"> copies the value/text of #ID ------------- */
  function copyText(text, source) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var el = source;
      var temp = null;
      if (!el || typeof el.select !== "function") {
        temp = el = document.createElement("textarea");
        temp.value = text;
        temp.setAttribute("readonly", "");
        temp.className = "sr-only";
        document.body.appendChild(temp);
      }
      el.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      if (temp) temp.remove();
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  function copyFrom(btn) {
    var source = document.getElementById(btn.getAttribute("data-copy"));
    if (!source) return;
    var text = "value" in source && typeof source.value === "string" ? source.value : source.textContent;
    var label = btn.querySelector("[data-copy-label]");
    var original = label ? label.textContent : btn.getAttribute("aria-label");

    function feedback(message, ok) {
      if (label) label.textContent = message;
      else if (original) btn.setAttribute("aria-label", message);
      btn.classList.toggle("is-copied", ok);
      announce(ok ? "Copied to clipboard" : message);
      clearTimeout(btn._copyTimer);
      btn._copyTimer = setTimeout(function () {
        if (label) label.textContent = original;
        else if (original) btn.setAttribute("aria-label", original);
        btn.classList.remove("is-copied");
      }, 2000);
    }

    copyText(text, source).then(
      function () { feedback("Copied", true); },
      function () {
        if (typeof source.select === "function") source.select();
        feedback("Press Ctrl+C to copy", false);
      }
    );
  }

  /* Dismissible banners ----------------------------------------------------------------- */
  function dismiss(btn) {
    var box = btn.closest(".alert");
    if (!box) return;
    var container = box.parentElement;
    box.remove();
    if (container && container.classList.contains("flash") && !container.children.length) container.remove();
    var main = document.getElementById("main");
    if (main) main.focus();
  }

  document.addEventListener("click", function (e) {
    var target = e.target.closest && e.target.closest("[data-theme-toggle], [data-copy], [data-dismiss]");
    if (!target) return;
    if (target.hasAttribute("data-theme-toggle")) cycleTheme();
    else if (target.hasAttribute("data-copy")) copyFrom(target);
    else dismiss(target);
  });

  /* Confirm before submitting forms (or buttons) marked data-confirm="message" ---------- */
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var message = (e.submitter && e.submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) e.preventDefault();
  });

  /* Select the whole value of read-only fields such as new API keys --------------------- */
  document.addEventListener("focusin", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-select-on-focus]")) setTimeout(function () { el.select(); }, 0);
  });

  /* Dates: <time datetime data-date> → local date; data-date="relative" → "3 hours ago" - */
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];

  function formatDates() {
    if (!window.Intl || !Intl.DateTimeFormat) return;
    var full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    var day = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
    var rel = Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
    document.querySelectorAll("time[data-date]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      el.title = full.format(d);
      if (el.getAttribute("data-date") === "relative" && rel) {
        var secs = (d.getTime() - Date.now()) / 1000;
        var text = "just now";
        for (var i = 0; i < UNITS.length; i++) {
          if (Math.abs(secs) >= UNITS[i][1]) { text = rel.format(Math.round(secs / UNITS[i][1]), UNITS[i][0]); break; }
        }
        el.textContent = text;
      } else {
        el.textContent = day.format(d);
      }
    });
  }

  /* A just-created API key (/settings#new-key): bring it into view and select it --------- */
  function fitToContent(area) {
    area.rows = 1;
    while (area.scrollHeight > area.clientHeight + 1 && area.rows < 6) area.rows += 1;
  }

  function showNewKey() {
    var box = document.getElementById("new-key");
    if (!box) return;
    var secret = box.querySelector("#new-key-secret");
    if (secret && secret.tagName === "TEXTAREA") {
      fitToContent(secret);
      window.addEventListener("resize", function () { fitToContent(secret); });
    }
    box.scrollIntoView({ block: "start" });
    if (secret) {
      secret.focus({ preventScroll: true });
      secret.select();
    }
  }

  /* Tabs: [data-tabs] with role=tab buttons; without JS every panel shows, one after another */
  function setupTabs(box) {
    var tabs = Array.prototype.slice.call(box.querySelectorAll('[role="tab"]'));
    function select(tab, focus) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        var panel = document.getElementById(t.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      });
      if (focus) tab.focus();
    }
    tabs.forEach(function (t, i) {
      t.addEventListener("click", function () { select(t, false); });
      t.addEventListener("keydown", function (e) {
        var d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
        if (d) { e.preventDefault(); select(tabs[(i + d + tabs.length) % tabs.length], true); }
      });
    });
    if (tabs.length) select(tabs[0], false);
  }

  /* Arrow keys follow the page's previous/next links (viewer pages) --------------------- */
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || document.querySelector("dialog[open]")) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var link = e.key === "ArrowLeft" ? document.querySelector("[data-key-prev]") : e.key === "ArrowRight" ? document.querySelector("[data-key-next]") : null;
    if (link) window.location.href = link.href;
  });

  /* Sensitive media: a remembered opt-in shows them unblurred everywhere ----------------- */
  function setupNsfw() {
    var ok = root.classList.contains("nsfw-ok");
    document.querySelectorAll("[data-nsfw-reveal]").forEach(function (c) { if (ok) c.checked = true; });
    document.querySelectorAll("[data-nsfw-pref]").forEach(function (c) {
      c.checked = ok;
      c.addEventListener("change", function () {
        try {
          if (c.checked) localStorage.setItem("vitrine-nsfw", "show");
          else localStorage.removeItem("vitrine-nsfw");
        } catch (e) { /* not remembered */ }
        root.classList.toggle("nsfw-ok", c.checked);
      });
    });
  }

  applyTheme(root.getAttribute("data-theme") || "system"); /* labels only; theme.js set it */
  document.querySelectorAll("[data-tabs]").forEach(setupTabs);
  setupNsfw();
  formatDates();
  showNewKey();
})();
