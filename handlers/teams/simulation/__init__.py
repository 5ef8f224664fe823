"""A fake of Microsoft's side of Teams for tests and the demo: tenant, Bot Connector, signer."""
