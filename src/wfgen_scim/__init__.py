"""WorkflowGen SCIM proxy: Entra ID SCIM v2 in front, WorkflowGen GraphQL behind."""
