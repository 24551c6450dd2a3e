"""Request and response models of the HTTP API (`XCreate` in, `XPublic` out), one module per
resource; the OpenAPI documents every response from these."""
