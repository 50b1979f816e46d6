"""Everything that runs inside Datasette: the staff pages (plugin), reopening a newly
published archive (reload), the pages' SQL (queries), search by meaning (search) and
exact-words facet counts (facets)."""
