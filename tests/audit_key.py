"""The audit key tests sign with (a fixed test value: it protects nothing)."""

from lib.audit import AuditKey

TEST_AUDIT_SECRET = "calendar-console-test-audit-key-not-a-secret"
TEST_AUDIT_KEY = AuditKey(TEST_AUDIT_SECRET)
