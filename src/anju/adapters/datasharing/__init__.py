"""Data-sharing adapters (数据共享): the registries the centre queries with a person's consent."""
