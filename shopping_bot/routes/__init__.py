"""The shopping bot's HTTP endpoints: /admin/shopping (the click redirect: ``redirects``)."""
