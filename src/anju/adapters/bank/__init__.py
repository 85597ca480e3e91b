"""The settlement-platform (BDC) adapter: wire format, client, notice listener, simulator."""
