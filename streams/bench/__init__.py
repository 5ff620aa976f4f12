"""`sessionscope bench`: end-to-end throughput, latency and memory of real worker processes."""
