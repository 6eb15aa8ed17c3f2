"""`wfgen-scim link`: link an existing WorkflowGen's users and groups to Entra ID before
Entra's first provisioning cycle, and compare them afterwards (docs/migration.md)."""
