// Progressive enhancement for the skills scan page: each KSB is saved as its rating is chosen
// (and its comment once typing pauses or the box is left), by posting that KSB's fields to the
// page's own URL, which answers with JSON. The progress bar follows, each KSB says whether it
// is saved, and the browser asks before leaving while a change is not saved. Without
// JavaScript the page's buttons (and its section tabs) save the whole section.
(function () {
  "use strict";
  var form = document.querySelector("form[data-scan-form]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var COMMENT_PAUSE_MS = 1500;
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var status = document.querySelector("[data-scan-status]");
  var progress = document.getElementById("scan-progress");
  var progressLabel = document.getElementById("scan-progress-label");
  var submitting = false;

  document.querySelectorAll("[data-scan-js]").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll("[data-scan-no-js]").forEach(function (el) { el.hidden = true; });

  function announce(text) {
    status.textContent = text;
  }

  function show(ksb, kind, text) {
    ksb.note.className = "ksb-save-state small mb-0 mt-2 is-" + kind;
    ksb.note.textContent = text;
    ksb.note.hidden = false;
  }

  function unsaved(ksb) {
    return ksb.inFlight || ksb.version !== ksb.savedVersion;
  }

  function firstError(body) {
    var errors = (body && body.errors) || {};
    for (var name in errors) {
      if (Object.prototype.hasOwnProperty.call(errors, name) && errors[name].length) {
        return errors[name][0];
      }
    }
    return (body && body.error) || "the page could not save it.";
  }

  function failed(ksb, reason) {
    show(ksb, "error", "Not saved: " + reason);
    announce(ksb.code + " not saved: " + reason);
  }

  // One save at a time, in the order asked for: an older save never lands after a newer one.
  var queue = [];
  var current = null;
  var submitAfterSave = null;

  function save(ksb) {
    window.clearTimeout(ksb.timer);
    if (queue.indexOf(ksb) === -1) {
      queue.push(ksb);
    }
    next();
  }

  function next() {
    if (current) {
      return;
    }
    if (submitAfterSave) {
      var submitter = submitAfterSave;
      submitAfterSave = null;
      queue = [];
      if (form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        submitter.click();
      }
      return;
    }
    var ksb = queue.shift();
    while (ksb && ksb.version === ksb.savedVersion) {
      ksb = queue.shift();
    }
    if (ksb) {
      send(ksb);
    }
  }

  function done(ksb) {
    current = null;
    ksb.inFlight = false;
    next();
  }

  function send(ksb) {
    var sent = ksb.version;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    var score = ksb.fieldset.querySelector("input[type=radio]:checked");
    if (score) {
      data.append(score.name, score.value);
    }
    data.append(ksb.comment.name, ksb.comment.value);
    current = ksb;
    ksb.inFlight = true;
    show(ksb, "pending", "Saving…");
    fetch(window.location.pathname, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual",
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("not JSON");
        }
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          failed(ksb, firstError(result.body));
        } else {
          ksb.savedVersion = sent;
          var rated = result.body.rated;
          var total = result.body.total;
          progress.max = total;
          progress.value = rated;
          progress.textContent = rated + " of " + total;
          progressLabel.textContent = rated + " of " + total + " rated";
          if (ksb.version === sent) {
            show(ksb, "saved", "✓ Saved");
            announce(ksb.code + " saved. " + rated + " of " + total + " rated.");
          }
        }
        if (ksb.version !== sent) {
          queue.push(ksb); // changed while saving: the newer values go next
        }
        done(ksb);
      })
      .catch(function () {
        failed(ksb, "the save did not go through. Press Save to try again.");
        done(ksb);
      });
  }

  var fieldsets = form.querySelectorAll("fieldset[data-ksb-code]");
  var ksbs = Array.prototype.map.call(fieldsets, function (fieldset) {
    var ksb = {
      fieldset: fieldset,
      code: fieldset.getAttribute("data-ksb-code"),
      comment: fieldset.querySelector("textarea"),
      note: fieldset.querySelector("[data-save-state]"),
      version: 0,
      savedVersion: 0,
      inFlight: false,
      timer: null,
    };
    fieldset.addEventListener("change", function (event) {
      if (event.target.type === "radio") {
        ksb.version += 1;
        save(ksb);
      } else if (event.target === ksb.comment) {
        save(ksb);
      }
    });
    ksb.comment.addEventListener("input", function () {
      ksb.version += 1;
      show(ksb, "pending", "Comment not saved yet");
      window.clearTimeout(ksb.timer);
      ksb.timer = window.setTimeout(function () { save(ksb); }, COMMENT_PAUSE_MS);
    });
    return ksb;
  });

  // A submit button (Save, a section tab) sends every field of the page, so nothing is left
  // to warn about; it waits for a save under way, which could otherwise land after it.
  form.addEventListener("submit", function (event) {
    if (current) {
      event.preventDefault();
      submitAfterSave = event.submitter || form.querySelector("button[value=save]");
      return;
    }
    submitting = true;
  });
  window.addEventListener("pageshow", function () { submitting = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && ksbs.some(unsaved)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
