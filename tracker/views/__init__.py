"""The tracker's pages, by area: evidence, duties, hours and progress reviews."""
