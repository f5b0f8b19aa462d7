"""Read-only lists for pages, the JSON API and exports: the people list, the dashboard, the
verification queue, a record's history, the reminder log."""
