"""GraphQL operation documents (data files), loaded by wfgen_scim.graphql.operations."""
