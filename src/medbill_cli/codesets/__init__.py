"""Code sets: loading, importing and looking up ICD-10-CM, CPT, HCPCS, modifiers, POS, CARC/RARC,
NCCI."""
