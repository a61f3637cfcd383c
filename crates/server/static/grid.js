/* Vitrine media grids: thumbhash placeholders, justified rows, a lightbox with keyboard
   navigation, infinite scroll (the "Next page" link stays the source of truth) and owner
   selection with a bulk action bar. Every grid works without this file. */
(function () {
  "use strict";

  /* Thumbhash → tiny image. The hash stores a DC colour and low-frequency cosine terms for a
     luminance and two chroma channels (plus alpha); we rebuild a ≤32 px image from them. */
  function decodeThumbhash(b64) {
    var bin = atob(b64), h = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) h[i] = bin.charCodeAt(i);
    if (h.length < 5) return null;
    var h24 = h[0] | (h[1] << 8) | (h[2] << 16), h16 = h[3] | (h[4] << 8);
    var lDc = (h24 & 63) / 63, pDc = ((h24 >> 6) & 63) / 31.5 - 1, qDc = ((h24 >> 12) & 63) / 31.5 - 1;
    var lScale = ((h24 >> 18) & 31) / 31, alpha = h24 >> 23;
    var pScale = ((h16 >> 3) & 63) / 63, qScale = ((h16 >> 9) & 63) / 63, landscape = h16 >> 15;
    var lx = Math.max(3, landscape ? (alpha ? 5 : 7) : h16 & 7);
    var ly = Math.max(3, landscape ? h16 & 7 : (alpha ? 5 : 7));
    var aDc = alpha ? (h[5] & 15) / 15 : 1, aScale = (h[5] >> 4) / 15;
    var start = alpha ? 6 : 5, index = 0;
    function channel(nx, ny, scale) {
      var ac = [];
      for (var cy = 0; cy < ny; cy++) {
        for (var cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) {
          var byte = h[start + (index >> 1)];
          if (byte === undefined) return null;
          ac.push((((byte >> ((index++ & 1) << 2)) & 15) / 7.5 - 1) * scale);
        }
      }
      return ac;
    }
    var lAc = channel(lx, ly, lScale), pAc = channel(3, 3, pScale * 1.25), qAc = channel(3, 3, qScale * 1.25);
    var aAc = alpha ? channel(5, 5, aScale) : null;
    if (!lAc || !pAc || !qAc || (alpha && !aAc)) return null;
    var ratio = lx / ly;
    var w = Math.round(ratio > 1 ? 32 : 32 * ratio), hgt = Math.round(ratio > 1 ? 32 / ratio : 32);
    var rgba = new Uint8ClampedArray(w * hgt * 4), fx = [], fy = [];
    for (var y = 0, p = 0; y < hgt; y++) {
      for (var x = 0; x < w; x++, p += 4) {
        var l = lDc, pp = pDc, q = qDc, a = aDc, j, cx2, cy2, n = Math.max(lx, alpha ? 5 : 3);
        for (cx2 = 0; cx2 < n; cx2++) fx[cx2] = Math.cos(Math.PI / w * (x + 0.5) * cx2);
        n = Math.max(ly, alpha ? 5 : 3);
        for (cy2 = 0; cy2 < n; cy2++) fy[cy2] = Math.cos(Math.PI / hgt * (y + 0.5) * cy2);
        for (cy2 = 0, j = 0; cy2 < ly; cy2++) {
          for (cx2 = cy2 ? 0 : 1; cx2 * ly < lx * (ly - cy2); cx2++, j++) l += lAc[j] * fx[cx2] * fy[cy2] * 2;
        }
        for (cy2 = 0, j = 0; cy2 < 3; cy2++) {
          for (cx2 = cy2 ? 0 : 1; cx2 < 3 - cy2; cx2++, j++) {
            var f = fx[cx2] * fy[cy2] * 2;
            pp += pAc[j] * f;
            q += qAc[j] * f;
          }
        }
        if (aAc) {
          for (cy2 = 0, j = 0; cy2 < 5; cy2++) {
            for (cx2 = cy2 ? 0 : 1; cx2 < 5 - cy2; cx2++, j++) a += aAc[j] * fx[cx2] * fy[cy2] * 2;
          }
        }
        var b = l - 2 / 3 * pp, r = (3 * l - b + q) / 2, g = r - q;
        rgba[p] = 255 * r; rgba[p + 1] = 255 * g; rgba[p + 2] = 255 * b; rgba[p + 3] = 255 * a;
      }
    }
    var canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = hgt;
    var ctx = canvas.getContext("2d");
    if (!ctx) return null;
    ctx.putImageData(new ImageData(rgba, w, hgt), 0, 0);
    return canvas.toDataURL();
  }

  function placeholder(cell) {
    var img = cell.querySelector("img");
    var hash = cell.getAttribute("data-hash");
    if (!img || !hash || img.complete && img.naturalWidth) return;
    try {
      var url = decodeThumbhash(hash);
      if (url) img.style.backgroundImage = "url(" + url + ")";
    } catch (e) { /* a bad hash only costs the placeholder */ }
    img.addEventListener("load", function () { img.style.backgroundImage = ""; }, { once: true });
  }

  /* Justified rows: each tile keeps its image's aspect ratio, rows fill the width. ------- */
  function layout(grid) {
    var width = grid.clientWidth;
    if (!width) return;
    var target = width < 600 ? 140 : 220, gap = 8;
    var cells = Array.prototype.slice.call(grid.children), row = [], sum = 0;
    function place(items, height) {
      items.forEach(function (c) {
        c.style.width = Math.floor(c._ratio * height) + "px";
        c.style.height = Math.floor(height) + "px";
      });
    }
    cells.forEach(function (c) {
      var w = +c.getAttribute("data-w") || 1, h = +c.getAttribute("data-h") || 1;
      c._ratio = Math.min(Math.max(w / h, 0.4), 3);
      row.push(c);
      sum += c._ratio;
      var rowWidth = width - gap * (row.length - 1);
      if (sum * target >= rowWidth) {
        place(row, rowWidth / sum);
        row = []; sum = 0;
      }
    });
    if (row.length) place(row, target);
    grid.classList.add("is-justified");
  }

  /* Lightbox -------------------------------------------------------------------------- */
  var box, boxImg, boxTitle, boxLink, current, opener;
  function buildBox() {
    box = document.createElement("dialog");
    box.className = "lightbox";
    box.setAttribute("aria-label", "Image preview");
    box.innerHTML =
      '<div class="lightbox-frame"><img class="lightbox-img" alt=""></div>' +
      '<div class="lightbox-bar"><a class="lightbox-title"></a>' +
      '<span class="lightbox-keys">← → to browse · Esc to close</span>' +
      '<button type="button" class="btn btn-secondary btn-sm" data-lb="prev" aria-label="Previous image">←</button>' +
      '<button type="button" class="btn btn-secondary btn-sm" data-lb="next" aria-label="Next image">→</button>' +
      '<button type="button" class="btn btn-secondary btn-sm" data-lb="close">Close</button></div>';
    boxImg = box.querySelector(".lightbox-img");
    boxTitle = box.querySelector(".lightbox-title");
    document.body.appendChild(box);
    box.addEventListener("click", function (e) {
      var act = e.target.closest("[data-lb]");
      if (act) go(act.getAttribute("data-lb"));
      else if (e.target === box || e.target.classList.contains("lightbox-frame")) box.close();
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowRight") { go("next"); e.preventDefault(); }
      else if (e.key === "ArrowLeft") { go("prev"); e.preventDefault(); }
    });
    box.addEventListener("close", function () {
      document.documentElement.classList.remove("has-lightbox");
      var back = current && document.contains(current) ? current : opener;
      if (back && document.contains(back)) back.focus();
    });
  }
  /* Sensitive media stay behind their page's gate unless the visitor opted in. */
  function browsable(link) {
    return !link.parentNode.classList.contains("is-nsfw") || document.documentElement.classList.contains("nsfw-ok");
  }
  function links() { return Array.prototype.slice.call(document.querySelectorAll("[data-grid] .thumb-link")).filter(browsable); }
  function show(link) {
    current = link;
    var img = link.querySelector("img");
    boxImg.src = link.getAttribute("data-full");
    boxImg.width = +link.getAttribute("data-full-w") || 0;
    boxImg.height = +link.getAttribute("data-full-h") || 0;
    boxImg.alt = img ? img.alt : "";
    boxTitle.textContent = img ? img.alt : "Open";
    boxTitle.href = link.href;
  }
  function go(where) {
    if (where === "close") { box.close(); return; }
    var all = links(), i = all.indexOf(current) + (where === "next" ? 1 : -1);
    if (i >= 0 && i < all.length) show(all[i]);
    else if (where === "next") { wantNext = true; loadMore(document.querySelector("[data-next-page]")); }
  }
  function open(link) {
    if (!box) buildBox();
    opener = link;
    show(link);
    document.documentElement.classList.add("has-lightbox");
    box.showModal();
  }

  /* Infinite scroll: fetch the next page's HTML and move its tiles here. --------------- */
  var loading = false, failed = false, wantNext = false;
  function loadMore(next) {
    if (!next || loading) return;
    loading = true;
    next.classList.add("is-loading");
    fetch(next.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var incoming = doc.querySelector("[data-grid]"), grid = document.querySelector("[data-grid]");
        if (incoming && grid) {
          Array.prototype.slice.call(incoming.children).forEach(function (c) {
            grid.appendChild(document.adoptNode(c));
            placeholder(c);
          });
          layout(grid);
        }
        var more = doc.querySelector("[data-next-page]");
        if (more) next.href = more.getAttribute("href");
        else next.parentNode.remove();
        if (wantNext && box && box.open && current) go("next");
        wantNext = false;
      })
      // The link stays for a click; no automatic retries after a failure.
      .catch(function () { failed = true; wantNext = false; })
      .then(function () {
        loading = false;
        next.classList.remove("is-loading");
        // Still in view (a short page): the observer will not fire again, so keep going.
        if (!failed && document.contains(next) && next.getBoundingClientRect().top < window.innerHeight + 600) loadMore(next);
      });
  }

  /* Selection and the bulk bar ------------------------------------------------------------ */
  var lastChecked = null;
  function selected() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-grid] [data-select]:checked"))
      .map(function (c) { return c.value; });
  }
  function updateBar() {
    var bar = document.querySelector("[data-bulk]");
    if (!bar) return;
    var ids = selected();
    bar.hidden = ids.length === 0;
    var count = bar.querySelector("[data-bulk-count]");
    if (count) count.textContent = ids.length + (ids.length === 1 ? " item selected" : " items selected");
    document.querySelectorAll("[data-grid] .thumb-cell").forEach(function (c) {
      var box2 = c.querySelector("[data-select]");
      c.classList.toggle("is-selected", !!(box2 && box2.checked));
    });
    document.documentElement.classList.toggle("is-selecting", ids.length > 0);
  }
  function selectEvery(on) {
    document.querySelectorAll("[data-grid] [data-select]").forEach(function (x) { x.checked = on; });
    updateBar();
  }
  function bulk(action, bar) {
    var ids = selected(), url, body, status = bar.querySelector("[data-bulk-status]");
    if (!ids.length) return;
    if (action === "move") {
      var album = bar.querySelector("[data-bulk-album]").value;
      if (album === "") { if (status) status.textContent = "Choose where to move them first."; return; }
      if (album === "none") album = "";
      url = "/api/v1/media/move"; body = { media: ids, album: album || null };
    } else if (action === "privacy") {
      url = "/api/v1/media/bulk-edit"; body = { media: ids, privacy: bar.querySelector("[data-bulk-privacy]").value };
    } else if (action === "delete") {
      if (!window.confirm("Delete " + ids.length + (ids.length === 1 ? " item" : " items") + "? This cannot be undone.")) return;
      url = "/api/v1/media/bulk-delete"; body = { media: ids };
    } else if (action === "embed") {
      var codes = ids.map(function (id) {
        var cell = document.querySelector('[data-grid] [data-id="' + id + '"] .thumb-link');
        return cell ? "[url=" + cell.href + "][img]" + cell.getAttribute("data-full") + "[/img][/url]" : "";
      }).join("\n");
      var out = bar.querySelector("[data-bulk-codes]");
      out.value = codes; out.hidden = false; out.focus(); out.select();
      return;
    } else return;
    if (status) status.textContent = "Working…";
    var buttons = bar.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        if (r.ok) { window.location.reload(); return; }
        return r.json().catch(function () { return {}; }).then(function (e) {
          throw new Error(e.error && e.error.message || ("the server answered " + r.status));
        });
      })
      .catch(function (e) {
        buttons.forEach(function (b) { b.disabled = false; });
        if (status) status.textContent = "Could not do that: " + e.message;
      });
  }

  function init() {
    var grids = document.querySelectorAll("[data-grid]");
    if (!grids.length) return;
    grids.forEach(function (g) {
      Array.prototype.forEach.call(g.children, placeholder);
      layout(g);
    });
    var pending;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { grids.forEach(layout); }, 120);
    });
    document.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("[data-grid] .thumb-link");
      if (!link || e.button !== 0) return;
      // While selecting, a click on a tile (shift for a range) selects instead of opening.
      if (document.documentElement.classList.contains("is-selecting") && !e.ctrlKey && !e.metaKey) {
        var cb = link.parentNode.querySelector("[data-select]");
        if (cb) {
          e.preventDefault();
          cb.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, shiftKey: e.shiftKey }));
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      if (typeof HTMLDialogElement !== "function") return;
      // Sensitive media open on their page, behind its gate, unless the visitor opted in.
      if (!browsable(link)) return;
      e.preventDefault();
      open(link);
    });
    document.addEventListener("click", function (e) {
      var cb = e.target.closest && e.target.closest("[data-select]");
      if (!cb) return;
      if (e.shiftKey && lastChecked && lastChecked !== cb) {
        var all = Array.prototype.slice.call(document.querySelectorAll("[data-grid] [data-select]"));
        var a = all.indexOf(lastChecked), b = all.indexOf(cb);
        all.slice(Math.min(a, b), Math.max(a, b) + 1).forEach(function (x) { x.checked = cb.checked; });
      }
      lastChecked = cb;
      updateBar();
    });
    document.addEventListener("click", function (e) {
      var btn = e.target.closest && e.target.closest("[data-bulk-action]");
      if (!btn) return;
      var action = btn.getAttribute("data-bulk-action"), bar = btn.closest("[data-bulk]");
      if (action === "all" || action === "none") selectEvery(action === "all");
      else if (bar) bulk(action, bar);
    });
    var selectAll = document.querySelector("[data-select-all]");
    if (selectAll) selectAll.addEventListener("click", function () { selectEvery(true); });
    var next = document.querySelector("[data-next-page]");
    if (next && "IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (en) { return en.isIntersecting; })) loadMore(document.querySelector("[data-next-page]"));
      }, { rootMargin: "600px" }).observe(next);
    }
    updateBar();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
