"""The shopping bot's HTTP endpoints: /admin/shopping (the click redirect is shopping_bot.redirects)."""
