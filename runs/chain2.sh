set -x
PY=/work/main/.venv/bin/python
while kill -0 27489 2>/dev/null; do sleep 5; done
cat eval/gold.jsonl eval/trust.jsonl > /tmp/combined-gold.jsonl
(cd /tmp/oldqa && PYTHONPATH=/tmp/oldqa $PY -m qa_app --index /work/answerwork/index --corpus /work/answerwork/corpus eval /tmp/combined-gold.jsonl --json > /work/answerwork/runs/old-code-combined-gold.json 2> /work/answerwork/runs/old-code-combined-gold.err)
/usr/bin/time -v $PY -m qa_app eval --xquad /work/shared/data/xquad.en.json --json > runs/final-minilm-xquad.json 2> runs/final-minilm-xquad.err
