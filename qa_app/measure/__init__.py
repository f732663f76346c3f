"""Measure: gold-set and XQuAD evaluation, metrics, calibration of abstention, and the bench.

May import every stage and `qa_app.assistant`, never `qa_app.app`.
"""
