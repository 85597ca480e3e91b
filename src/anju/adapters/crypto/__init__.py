"""adapters/crypto."""
