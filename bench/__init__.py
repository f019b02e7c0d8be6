"""Pauhu CRM's benchmarks: ``python -m bench --quick | --full`` (see README.md)."""
