set -x
PY=/work/main/.venv/bin/python
$PY -m qa_app eval --json > runs/final-minilm-gold.json 2> runs/final-minilm-gold.err
$PY -m qa_app --model models/all-mpnet-base-v2 --index index-mpnet calibrate --save runs/cal-mpnet.json > runs/cal-mpnet.txt 2>&1
/usr/bin/time -v $PY -m qa_app --model models/all-mpnet-base-v2 --index index-mpnet eval --json > runs/final-mpnet-gold.json 2> runs/final-mpnet-gold.err
/usr/bin/time -v $PY -m qa_app eval --xquad /work/shared/data/xquad.en.json --json > runs/final-minilm-xquad.json 2> runs/final-minilm-xquad.err
cat eval/gold.jsonl eval/trust.jsonl > /tmp/combined-gold.jsonl
cd /tmp/oldqa && PYTHONPATH=/tmp/oldqa $PY -m qa_app --index /work/answerwork/index --corpus /work/answerwork/corpus eval /tmp/combined-gold.jsonl --json > /work/answerwork/runs/old-code-combined-gold.json 2> /work/answerwork/runs/old-code-combined-gold.err
