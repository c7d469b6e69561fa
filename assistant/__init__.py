"""ISO/IEC 27001:2022 drafting assistant: the core library."""
