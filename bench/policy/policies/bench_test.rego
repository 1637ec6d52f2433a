package gov.bench

test_deleted if count(deny) == 1 with input as {"patch": {"files": [{"path": "tests/a.py", "status": "deleted"}]}}
