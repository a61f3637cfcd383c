/* Vitrine uploader: turns the upload form into a queue with previews, per-file options,
   progress bars, parallel sending, retries and ready-to-copy codes; and lets signed-in people
   (and guests when allowed) drop or paste files on any page. Without this file the form
   uploads one file at a time. */
(function () {
  "use strict";

  var IMAGE_EXT = /\.(jpe?g|png|gif|webp|bmp|heic|heif|avif)$/i;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function mb(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }
  function apiError(xhrOrBody, status) {
    try {
      var body = typeof xhrOrBody === "string" ? JSON.parse(xhrOrBody) : xhrOrBody;
      if (body && body.error && body.error.message) {
        var m = body.error.message;
        return m.charAt(0).toUpperCase() + m.slice(1);
      }
    } catch (e) { /* not JSON */ }
    if (status === 413) return "Too big for this site.";
    if (status === 0) return "The connection failed.";
    return "The upload failed (error " + status + ").";
  }

  /* Reads every file of a dropped folder (recursively). */
  function entriesToFiles(entries) {
    var out = [];
    function walk(entry) {
      return new Promise(function (resolve) {
        if (!entry) return resolve();
        if (entry.isFile) {
          entry.file(function (f) { out.push(f); resolve(); }, function () { resolve(); });
        } else if (entry.isDirectory) {
          var reader = entry.createReader(), all = [];
          (function more() {
            reader.readEntries(function (batch) {
              if (!batch.length) Promise.all(all.map(walk)).then(function () { resolve(); });
              else { all = all.concat(Array.prototype.slice.call(batch)); more(); }
            }, function () { resolve(); });
          })();
        } else resolve();
      });
    }
    return Promise.all(entries.map(walk)).then(function () { return out; });
  }
  function dataTransferFiles(dt) {
    var items = dt.items ? Array.prototype.slice.call(dt.items) : [];
    var entries = items.map(function (i) { return i.webkitGetAsEntry ? i.webkitGetAsEntry() : null; }).filter(Boolean);
    if (entries.length) return entriesToFiles(entries);
    return Promise.resolve(Array.prototype.slice.call(dt.files || []));
  }
  function hasFiles(e) {
    return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") >= 0;
  }

  /* One uploader ------------------------------------------------------------------------- */
  function mount(form) {
    if (form._uploader) return form._uploader;
    var maxBytes = +form.getAttribute("data-max-bytes") || 0;
    var formats = form.getAttribute("data-formats") || "JPEG, PNG, GIF, WebP and BMP";
    var queueEl = form.querySelector("[data-queue]");
    var summary = form.querySelector("[data-summary]");
    var startBtn = form.querySelector("[data-start]");
    var startLabel = form.querySelector("[data-start-label]");
    var fileInput = form.querySelector("[data-file-input]");
    var folderInput = form.querySelector("[data-folder-input]");
    var parallel = form.querySelector("[data-parallel]");
    var results = form.querySelector("[data-results]");
    var codes = form.querySelector("[data-results-codes]");
    var format = form.querySelector("[data-results-format]");
    var albumSelect = form.querySelector("[data-album-select]");
    var items = [], running = 0, started = false;

    try { parallel.value = localStorage.getItem("vitrine-upload-parallel") || "2"; } catch (e) { /* default */ }
    if (parallel) parallel.addEventListener("change", function () {
      try { localStorage.setItem("vitrine-upload-parallel", parallel.value); } catch (e) { /* not kept */ }
    });
    fileInput.multiple = true;
    fileInput.required = false;
    fileInput.removeAttribute("name");
    form.classList.add("is-enhanced");

    function value(name) { var f = form.elements[name]; return f ? (f.type === "checkbox" ? f.checked : f.value) : ""; }

    function add(files) {
      files.forEach(function (f) {
        if (f.type && f.type.indexOf("image/") !== 0 && !IMAGE_EXT.test(f.name)) {
          if (/^\./.test(f.name)) return; /* hidden files from folders */
          addItem({ file: f, name: f.webkitRelativePath || f.name, size: f.size, error: "Not an image file: only " + formats + " can be uploaded." });
          return;
        }
        var tooBig = maxBytes && f.size > maxBytes;
        addItem({
          file: f, name: f.webkitRelativePath || f.name, size: f.size,
          error: tooBig ? "Too big: " + mb(f.size) + " (the limit is " + mb(maxBytes) + ")." : null
        });
      });
      refresh();
    }
    function addUrl(url) { addItem({ url: url, name: url, size: 0 }); refresh(); }

    function addItem(it) {
      it.status = it.error ? "error" : "queued";
      it.fatal = !!it.error;
      var li = el("li", "upload-item"), n = items.length;
      li.setAttribute("data-upload-item", "");
      var thumb = el("div", "upload-thumb");
      if (it.file && !it.error && it.file.size < 40 * 1048576) {
        var img = el("img");
        img.alt = "";
        it.preview = URL.createObjectURL(it.file);
        img.src = it.preview;
        thumb.appendChild(img);
      }
      var body = el("div", "upload-body");
      var top = el("div", "upload-top");
      top.appendChild(el("span", "upload-name", it.name));
      if (it.size) top.appendChild(el("span", "upload-size", mb(it.size)));
      var bar = el("progress", "upload-progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", "Progress of " + it.name);
      var status = el("p", "upload-status");
      var actions = el("div", "upload-item-actions");
      var details = el("details", "upload-details");
      var sum = el("summary", "btn btn-ghost btn-sm", "Title, description, tags");
      details.appendChild(sum);
      var grid = el("div", "upload-details-grid");
      [["title", "Title", "input"], ["description", "Description", "textarea"], ["tags", "Tags (commas)", "input"]].forEach(function (f) {
        var id = "item-" + n + "-" + f[0] + "-" + Math.random().toString(36).slice(2, 7);
        var wrap = el("div", "field"), label = el("label", "label", f[1]), input = el(f[2], "input");
        label.htmlFor = id; input.id = id;
        if (f[0] === "title") { input.maxLength = 100; input.value = it.name.replace(/^.*\//, "").replace(/\.[^.]+$/, ""); }
        if (f[2] === "textarea") input.rows = 2;
        input.setAttribute("data-item-" + f[0], "");
        wrap.appendChild(label); wrap.appendChild(input); grid.appendChild(wrap);
      });
      var nsfwWrap = el("div", "check"), nsfw = el("input", "check-input"), nsfwLabel = el("label", "check-label", "Sensitive content");
      nsfw.type = "checkbox"; nsfw.id = "item-" + n + "-nsfw-" + Math.random().toString(36).slice(2, 7); nsfwLabel.htmlFor = nsfw.id;
      nsfw.setAttribute("data-item-nsfw", "");
      nsfwWrap.appendChild(nsfw); nsfwWrap.appendChild(nsfwLabel); grid.appendChild(nsfwWrap);
      // This file's own album and auto-delete time, else the ones set for every file.
      [["album", "Album", "data-item-album"], ["expires_in", "Delete automatically", "data-item-expiry"]].forEach(function (f) {
        var all = form.elements[f[0]];
        if (!all || all.tagName !== "SELECT") return;
        var id = "item-" + n + "-" + f[0] + "-" + Math.random().toString(36).slice(2, 7);
        var wrap = el("div", "field"), label = el("label", "label", f[1]), select = el("select", "input");
        label.htmlFor = id; select.id = id;
        select.setAttribute(f[2], "");
        var same = el("option", null, "Same as for every file");
        same.value = "";
        select.appendChild(same);
        Array.prototype.forEach.call(all.options, function (o) {
          if (o.value === "__new" || (f[0] === "album" && o.value === "")) return;
          var copy = el("option", null, o.textContent);
          copy.value = o.value === "" ? "never" : o.value;
          select.appendChild(copy);
        });
        wrap.appendChild(label); wrap.appendChild(select); grid.appendChild(wrap);
      });
      details.appendChild(grid);
      var remove = el("button", "btn btn-ghost btn-sm", "Remove");
      remove.type = "button";
      remove.setAttribute("aria-label", "Remove " + it.name);
      remove.addEventListener("click", function () {
        if (it.status === "uploading") return;
        items.splice(items.indexOf(it), 1);
        if (it.preview) URL.revokeObjectURL(it.preview);
        li.remove();
        refresh();
      });
      var retry = el("button", "btn btn-secondary btn-sm", "Retry");
      retry.type = "button";
      retry.hidden = true;
      retry.setAttribute("data-retry", "");
      retry.setAttribute("aria-label", "Retry " + it.name);
      retry.addEventListener("click", function () {
        it.status = "queued"; it.error = null;
        pump();
        refresh();
      });
      actions.appendChild(details); actions.appendChild(retry); actions.appendChild(remove);
      body.appendChild(top); body.appendChild(bar); body.appendChild(status); body.appendChild(actions);
      li.appendChild(thumb); li.appendChild(body);
      queueEl.appendChild(li);
      it.el = li; it.bar = bar; it.statusEl = status; it.retry = retry; it.remove = remove; it.details = details;
      items.push(it);
      paint(it);
    }

    function paint(it) {
      var text = { queued: "Ready", uploading: "Uploading…", processing: "Processing…", done: "Uploaded", error: it.error }[it.status];
      it.statusEl.textContent = text || "";
      it.el.setAttribute("data-status", it.status);
      it.el.classList.toggle("is-error", it.status === "error");
      it.el.classList.toggle("is-done", it.status === "done");
      it.retry.hidden = !(it.status === "error" && !it.fatal);
      it.remove.hidden = it.status === "uploading" || it.status === "processing" || it.status === "done";
      if (it.status === "done") {
        it.bar.value = 100;
        it.statusEl.textContent = "";
        var link = el("a", "upload-open", "Uploaded — open");
        link.href = it.result.url;
        link.target = "_blank";
        link.rel = "noopener";
        it.statusEl.appendChild(link);
        if (it.result.delete_url && !document.body.hasAttribute("data-signed-in")) {
          var del = el("a", "upload-delete", "Delete link");
          del.href = it.result.delete_url;
          it.statusEl.appendChild(document.createTextNode(" · "));
          it.statusEl.appendChild(del);
        }
      }
      if (it.details) it.details.hidden = it.status === "done" || (it.status === "error" && it.fatal);
    }

    function refresh() {
      var queued = items.filter(function (i) { return i.status === "queued"; }).length;
      var done = items.filter(function (i) { return i.status === "done"; }).length;
      var failed = items.filter(function (i) { return i.status === "error"; }).length;
      var busy = running > 0;
      startBtn.disabled = queued === 0 || busy;
      startLabel.textContent = queued ? "Upload " + queued + (queued === 1 ? " file" : " files") : "Upload";
      var parts = [];
      if (items.length) parts.push(done + " of " + items.length + " uploaded");
      if (failed) parts.push(failed + " failed");
      summary.textContent = parts.join(", ");
      form.classList.toggle("has-items", items.length > 0);
      form.classList.toggle("is-busy", busy);
    }

    function send(it) {
      var data = new FormData();
      if (it.file) data.append("file", it.file, it.file.name);
      else data.append("url", it.url);
      var get = function (sel) { var f = it.el.querySelector(sel); return f ? f.value.trim() : ""; };
      data.append("title", get("[data-item-title]"));
      data.append("description", get("[data-item-description]"));
      var tags = [value("tags"), get("[data-item-tags]")].filter(Boolean).join(",");
      if (tags) data.append("tags", tags);
      var album = get("[data-item-album]") || value("album");
      if (album && album !== "__new") data.append("album", album);
      if (value("privacy")) data.append("privacy", value("privacy"));
      var expiry = get("[data-item-expiry]") || value("expires_in");
      if (expiry && expiry !== "never") data.append("expires_in", expiry);
      var itemNsfw = it.el.querySelector("[data-item-nsfw]");
      if (value("nsfw") || (itemNsfw && itemNsfw.checked)) data.append("nsfw", "1");

      var xhr = new XMLHttpRequest();
      it.status = "uploading"; it.bar.value = 0; running++;
      paint(it); refresh();
      xhr.open("POST", "/api/v1/media");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) it.bar.value = Math.round(e.loaded / e.total * 95);
      });
      xhr.upload.addEventListener("load", function () { it.status = "processing"; it.bar.value = 97; paint(it); });
      xhr.addEventListener("loadend", function () {
        running--;
        if (xhr.status === 201) {
          try { it.result = JSON.parse(xhr.responseText); it.status = "done"; }
          catch (e) { it.status = "error"; it.error = "The server's answer could not be read."; }
        } else {
          it.status = "error";
          it.error = apiError(xhr.responseText, xhr.status);
          // Files the server judged bad will fail again the same way.
          it.fatal = [400, 413, 415, 422].indexOf(xhr.status) >= 0;
        }
        paint(it);
        if (it.status === "done") showResults();
        pump();
        // A finished batch: files added later wait for their own click.
        if (running === 0) started = false;
        refresh();
      });
      xhr.send(data);
    }

    function pump() {
      var limit = Math.max(1, Math.min(4, +(parallel && parallel.value) || 2));
      items.forEach(function (it) {
        if (running < limit && it.status === "queued") send(it);
      });
    }

    function codeFor(r, kind) {
      var big = (r.files.medium || r.files.original).url, alt = (r.title || "image").replace(/[\[\]<>"&\\]/g, "");
      switch (kind) {
        case "direct": return r.files.original.url;
        case "bbcode": return "[url=" + r.url + "][img]" + big + "[/img][/url]";
        case "markdown": return "[![" + alt + "](" + big + ")](" + r.url + ")";
        case "html": return '<a href="' + r.url + '"><img src="' + big + '" alt="' + alt + '"></a>';
        default: return r.url;
      }
    }
    function showResults() {
      var done = items.filter(function (i) { return i.status === "done"; });
      if (!done.length || !results) return;
      results.hidden = false;
      codes.value = done.map(function (i) { return codeFor(i.result, format.value); }).join("\n");
      codes.rows = Math.min(8, Math.max(2, done.length));
    }
    if (format) format.addEventListener("change", showResults);

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (albumSelect && albumSelect.value === "__new") {
        var name = form.querySelector("[data-new-album-name]");
        if (name) {
          name.setCustomValidity("Create the new album first (or choose another).");
          name.reportValidity();
          name.addEventListener("input", function () { name.setCustomValidity(""); }, { once: true });
        }
        return;
      }
      started = true;
      pump();
    });
    fileInput.addEventListener("change", function () { add(Array.prototype.slice.call(fileInput.files)); fileInput.value = ""; });
    if (folderInput) folderInput.addEventListener("change", function () {
      add(Array.prototype.slice.call(folderInput.files).filter(function (f) { return IMAGE_EXT.test(f.name) || (f.type || "").indexOf("image/") === 0; }));
      folderInput.value = "";
    });
    var urlBtn = form.querySelector("[data-add-url]"), urlInput = form.querySelector("[data-url-input]");
    if (urlInput) urlInput.removeAttribute("name");
    if (urlBtn) urlBtn.addEventListener("click", function () {
      var v = urlInput.value.trim();
      if (!/^https?:\/\/\S+$/i.test(v)) { urlInput.setCustomValidity("Enter a web address starting with http:// or https://"); urlInput.reportValidity(); return; }
      urlInput.setCustomValidity("");
      addUrl(v);
      urlInput.value = "";
    });
    if (urlInput) urlInput.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); urlBtn.click(); } });

    var zone = form.querySelector("[data-dropzone]");
    ["dragenter", "dragover"].forEach(function (t) {
      zone.addEventListener(t, function (e) { if (hasFiles(e)) { e.preventDefault(); zone.classList.add("is-over"); } });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("is-over"); });
    zone.addEventListener("drop", function (e) {
      // The window's handler (drop anywhere) sees it too: it hides its overlay and leaves the
      // files to this zone.
      e.preventDefault();
      zone.classList.remove("is-over");
      dataTransferFiles(e.dataTransfer).then(add);
    });

    if (albumSelect) setupNewAlbum(albumSelect);

    window.addEventListener("beforeunload", function (e) {
      if (running > 0 || (started && items.some(function (i) { return i.status === "queued"; }))) { e.preventDefault(); e.returnValue = ""; }
    });

    form._uploader = {
      add: add,
      busy: function () { return running > 0 || items.some(function (i) { return i.status === "queued" && started; }); }
    };
    refresh();
    return form._uploader;
  }

  /* "New album…" in the album picker: a name field appears; the album is made at once. */
  function setupNewAlbum(select) {
    var row = el("div", "new-album-row");
    row.hidden = true;
    var id = "new-album-" + Math.random().toString(36).slice(2, 7);
    var label = el("label", "sr-only", "New album name"), input = el("input", "input"), make = el("button", "btn btn-secondary btn-sm", "Create album");
    label.htmlFor = id; input.id = id; input.maxLength = 100; input.placeholder = "New album name";
    input.setAttribute("data-new-album-name", "");
    make.type = "button";
    make.setAttribute("data-create-album", "");
    var msg = el("p", "field-error");
    msg.setAttribute("role", "alert");
    msg.hidden = true;
    row.appendChild(label); row.appendChild(input); row.appendChild(make); row.appendChild(msg);
    select.parentNode.appendChild(row);
    var previous = select.value;
    select.addEventListener("change", function () {
      if (select.value === "__new") { row.hidden = false; input.focus(); }
      else { row.hidden = true; previous = select.value; }
    });
    function create() {
      var title = input.value.trim();
      if (!title) { input.focus(); return; }
      make.disabled = true;
      var privacy = select.form && select.form.elements.privacy ? select.form.elements.privacy.value : "public";
      fetch("/api/v1/albums", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ title: title, privacy: privacy === "private" ? "private" : (privacy === "unlisted" ? "unlisted" : "public") })
      }).then(function (r) {
        return r.json().then(function (body) { if (!r.ok) throw new Error(apiError(body, r.status)); return body; });
      }).then(function (album) {
        var opt = el("option", null, album.title);
        opt.value = album.id;
        select.insertBefore(opt, select.querySelector("[data-new-album]"));
        select.value = album.id;
        previous = album.id;
        if (select.form) select.form.querySelectorAll("[data-item-album]").forEach(function (s) {
          var o = el("option", null, album.title);
          o.value = album.id;
          s.appendChild(o);
        });
        row.hidden = true; msg.hidden = true; input.value = "";
      }).catch(function (e) {
        msg.textContent = e.message; msg.hidden = false;
      }).then(function () { make.disabled = false; });
    }
    make.addEventListener("click", create);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); create(); }
      if (e.key === "Escape") { select.value = previous; row.hidden = true; }
    });
  }

  /* Drop or paste anywhere: the uploader opens in a dialog (same markup as /upload). ------ */
  var dialog, dialogForm, opening;
  function openDialog(files) {
    if (dialog) {
      if (!dialog.open) dialog.showModal();
      if (files && files.length) dialogForm._uploader.add(files);
      return;
    }
    // Drops or pastes while the uploader loads join the same dialog.
    if (opening) { opening.then(function () { openDialog(files); }); return; }
    opening = fetch("/upload", { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var form = doc.querySelector("[data-uploader]");
        if (!form) { window.location.href = "/upload"; return; }
        dialog = el("dialog", "upload-dialog");
        dialog.setAttribute("aria-label", "Upload");
        var head = el("div", "upload-dialog-head");
        head.appendChild(el("h2", "section-title", "Upload"));
        var close = el("button", "btn btn-ghost btn-sm", "Close");
        close.type = "button";
        head.appendChild(close);
        dialog.appendChild(head);
        dialogForm = document.adoptNode(form);
        dialog.appendChild(dialogForm);
        document.body.appendChild(dialog);
        mount(dialogForm);
        var mayClose = function () {
          return !dialogForm._uploader.busy() || window.confirm("Uploads are still running. Close anyway? They continue in the background.");
        };
        close.addEventListener("click", function () { if (mayClose()) dialog.close(); });
        dialog.addEventListener("cancel", function (e) { if (!mayClose()) e.preventDefault(); });
        dialog.showModal();
        if (files && files.length) dialogForm._uploader.add(files);
      })
      .catch(function () { window.location.href = "/upload"; });
  }

  function init() {
    var forms = document.querySelectorAll("[data-uploader]");
    forms.forEach(mount);
    var enabled = document.body.hasAttribute("data-upload-enabled");
    if (!enabled) return;
    var pageForm = forms[0];
    var overlay = el("div", "drop-overlay");
    overlay.appendChild(el("p", "drop-overlay-text", "Drop to upload"));
    overlay.hidden = true;
    document.body.appendChild(overlay);
    var depth = 0;
    window.addEventListener("dragenter", function (e) { if (hasFiles(e)) { depth++; overlay.hidden = false; } });
    window.addEventListener("dragleave", function () { if (--depth <= 0) { depth = 0; overlay.hidden = true; } });
    window.addEventListener("dragover", function (e) { if (hasFiles(e)) e.preventDefault(); });
    window.addEventListener("drop", function (e) {
      depth = 0; overlay.hidden = true;
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.target.closest && e.target.closest("[data-dropzone]")) return;
      dataTransferFiles(e.dataTransfer).then(function (files) {
        if (pageForm) pageForm._uploader.add(files);
        else openDialog(files);
      });
    });
    document.addEventListener("paste", function (e) {
      var files = e.clipboardData ? Array.prototype.slice.call(e.clipboardData.files || []) : [];
      if (!files.length) return;
      e.preventDefault();
      var named = files.map(function (f, i) {
        return f.name && f.name !== "image.png" ? f : new File([f], "pasted-" + Date.now() + "-" + i + "." + (f.type.split("/")[1] || "png"), { type: f.type });
      });
      if (pageForm) pageForm._uploader.add(named);
      else openDialog(named);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
