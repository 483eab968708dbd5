"""The transparency log as a feature: recorded events, the SQL-backed Merkle tree,
signed checkpoints, tiles served under ``/log/``, owners' receipts and public reports.

Other features call :func:`porchlight.transparency.service.record`; the pure
Merkle and checkpoint code lives in :mod:`porchlight.ledger`.
"""
