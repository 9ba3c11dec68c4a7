// Loaded before the page is drawn: says that scripts run, so what only works with them (the
// collapsing menu) may fold away; without scripts it stays open.
document.documentElement.classList.add("js");
