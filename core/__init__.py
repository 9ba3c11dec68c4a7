"""Helpers every app may use and none owns: CSV with formula escaping, SVG chart geometry,
table sorting, filtering and pagination. No models, no imports from the project's apps."""
