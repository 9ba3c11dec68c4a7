// The progress of a background job (accounts/job.html): while it is queued or running, ask
// for its figures every few seconds and move the bar; once it has finished, load the page
// again to show the result. Without scripts the page refreshes itself instead.
(function () {
  "use strict";
  var section = document.querySelector("[data-job-status-url]");
  if (!section || !section.hasAttribute("data-running")) {
    return;
  }
  var url = section.getAttribute("data-job-status-url");
  var every = parseInt(section.getAttribute("data-poll-ms"), 10) || 1500;
  var bar = document.getElementById("job-bar");
  var state = document.getElementById("job-state");
  var count = document.getElementById("job-count");

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    state.firstElementChild.textContent = data.state_label;
    count.textContent = data.total
      ? data.done + " of " + data.total + " done (" + data.percent + "%)"
      : "Waiting to start";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, every);
        }
      })
      .catch(function () {
        window.setTimeout(poll, every * 2);
      });
  }

  window.setTimeout(poll, every);
})();
