"""Tables computed at publish time for the staff pages: trends, score drivers, the
promise gap, customers, sentiment against ratings, and the vectors for search by meaning."""
