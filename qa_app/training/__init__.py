"""Training the extractive reader: SQuAD and report questions, span features, the resumable loop, ONNX export.

A tool stage beside measure: may import config, records, errors, ingest and answer; nothing imports it but the app.
"""
