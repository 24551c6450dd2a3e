"""Remote diagnosis and consultation (远程诊断、会诊): cases, threads and the reference check."""
