"""An in-memory chat platform: the port's second implementation, for domain tests and the contract
suite that holds every platform adapter to the same behaviour."""
