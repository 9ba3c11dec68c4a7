// The employer's review of a piece of evidence: the reason box of a KSB shows once it is
// unticked, and the KSBs only while the decision is not "Ask for changes". Without JavaScript
// every box shows and the server says which are needed.
(function () {
  "use strict";
  document.querySelectorAll("form.evidence-decision").forEach(function (form) {
    var ksbs = form.querySelector(".decision-ksbs");
    function update() {
      var decision = form.querySelector('input[name="decision"]:checked');
      if (ksbs) {
        ksbs.hidden = decision !== null && decision.value === "changes_requested";
      }
      form.querySelectorAll(".decision-ksb").forEach(function (row) {
        var box = row.querySelector('input[type="checkbox"]');
        var reason = row.querySelector(".decision-reason");
        if (box && reason) {
          reason.hidden = box.checked && !reason.querySelector(".is-invalid");
        }
      });
    }
    form.addEventListener("change", update);
    update();
  });
})();
