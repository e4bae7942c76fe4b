"""The codebook: schema and validation, database load/versions/retire/merge, QDC and CSV in/out,
docx/md appendix. See docs/codebook.md for the file format."""

from .export import EXPORTERS, export_codebook
from .qdc import code_guid, export_qdc, import_codebook, parse_csv, parse_qdc, validate_qdc
from .schema import (CODE_FIELDS, CODEBOOK_FIELDS, CONTENT_FIELDS, Codebook, CodeSpec, ValidationResult,
                     iter_codes, read_codebook, specs_from_rows, validate_codebook)
from .store import (LoadReport, MergeReport, MoveReport, current_codes, current_version, load_codebook,
                    merge_codes, move_codings, resolve_code)

__all__ = ["EXPORTERS", "export_codebook", "code_guid", "export_qdc", "import_codebook", "parse_csv",
           "parse_qdc", "validate_qdc", "CODE_FIELDS", "CODEBOOK_FIELDS", "CONTENT_FIELDS", "Codebook",
           "CodeSpec", "ValidationResult", "iter_codes", "read_codebook", "specs_from_rows",
           "validate_codebook", "LoadReport", "MergeReport", "MoveReport", "current_codes", "current_version",
           "load_codebook", "merge_codes", "move_codings", "resolve_code"]
