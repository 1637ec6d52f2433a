// Package frameworks holds gov's compliance catalogs (SOC 2, HIPAA, PCI DSS,
// ISO/IEC 27001, GDPR, SOX ITGC) as embedded CUE, maps policy rules to their
// controls, and builds and renders `gov report` from the audit directory.
package frameworks
