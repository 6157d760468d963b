#include "agent/core/python_migration.hpp"

#include <gtest/gtest.h>

#include <string>

namespace magent::core {
namespace {

using Ids = std::vector<std::string>;

Revision parse_ok(std::string_view text, std::string_view path = "rev.py") {
  Result<Revision> result = parse_python_migration(path, text);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : Revision{};
}

std::string parse_error(std::string_view text, std::string_view path = "rev.py") {
  Result<Revision> result = parse_python_migration(path, text);
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "";
  EXPECT_EQ(result.error().kind, ErrorKind::parse);
  return result.error().message;
}

// What `alembic revision -m "Add phone field to users table"` writes with Alembic 1.8.
constexpr std::string_view k_alembic_18 = R"PY("""Add phone field to users table

Revision ID: 3f2a9c1d7b44
Revises: 9b1e0d2c5a11
Create Date: 2026-01-25 12:00:00.123456

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f2a9c1d7b44'
down_revision = '9b1e0d2c5a11'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('phone', sa.String(20)))


def downgrade() -> None:
    op.drop_column('users', 'phone')
)PY";

// The newer typed template (`from typing import Sequence, Union`).
constexpr std::string_view k_alembic_typed = R"PY("""merge heads

Revision ID: 7c0ffee12345
Revises: aaaa11112222, bbbb33334444
Create Date: 2026-02-01 08:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "7c0ffee12345"
down_revision: Union[str, Sequence[str], None] = ("aaaa11112222", "bbbb33334444")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
)PY";

// A NOW LMS style file: date-stamped ids, a long docstring and a guarded upgrade.
constexpr std::string_view k_now_lms = R"PY("""Add allow_login_without_verification to Configuracion

Revision ID: 20260125_120000
Revises: 20260120_100000
Create Date: 2026-01-25 12:00:00

This migration adds a flag that lets administrators allow restricted access.
The default keeps the old behaviour.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20260125_120000"
down_revision = "20260120_100000"
branch_labels = None
depends_on = None


def upgrade():
    """Add the column when it is missing."""
    conn = op.get_bind()
    columns = [c["name"] for c in sa.inspect(conn).get_columns("configuracion")]
    revision = "not-module-level"
    if "allow_login_without_verification" not in columns:
        op.add_column("configuracion", sa.Column("allow_login_without_verification", sa.Boolean()))


def downgrade():
    op.drop_column("configuracion", "allow_login_without_verification")
)PY";

TEST(PythonMigration, ReadsAlembic18Template) {
  const Revision revision = parse_ok(k_alembic_18, "3f2a9c1d7b44_add_phone.py");
  EXPECT_EQ(revision.id, "3f2a9c1d7b44");
  EXPECT_EQ(revision.down_revisions, (Ids{"9b1e0d2c5a11"}));
  EXPECT_TRUE(revision.branch_labels.empty());
  EXPECT_TRUE(revision.depends_on.empty());
  EXPECT_EQ(revision.message, "Add phone field to users table");
  EXPECT_EQ(revision.kind, FileKind::python);
  EXPECT_EQ(revision.path, "3f2a9c1d7b44_add_phone.py");
  EXPECT_FALSE(revision.sql);
}

TEST(PythonMigration, ReadsTypedTemplateWithUnionAnnotations) {
  const Revision revision = parse_ok(k_alembic_typed);
  EXPECT_EQ(revision.id, "7c0ffee12345");
  EXPECT_EQ(revision.down_revisions, (Ids{"aaaa11112222", "bbbb33334444"}));
  EXPECT_EQ(revision.message, "merge heads");
}

TEST(PythonMigration, ReadsNowLmsStyleAndIgnoresIndentedAssignments) {
  const Revision revision = parse_ok(k_now_lms);
  EXPECT_EQ(revision.id, "20260125_120000");
  EXPECT_EQ(revision.down_revisions, (Ids{"20260120_100000"}));
  EXPECT_EQ(revision.message, "Add allow_login_without_verification to Configuracion");
}

TEST(PythonMigration, UnixTimeIdWithBranchLabelTuple) {
  const Revision revision = parse_ok(
      "\"\"\"Add public api\n\nRevision ID: 1736000000\nRevises:\n\"\"\"\n"
      "revision = '1736000000'\ndown_revision = '20260119_121758'\n"
      "branch_labels = ('default',)\ndepends_on = None\n");
  EXPECT_EQ(revision.id, "1736000000");
  EXPECT_EQ(revision.branch_labels, (Ids{"default"}));
}

TEST(PythonMigration, MultiLineListWithCommentsAndTrailingComma) {
  const Revision revision = parse_ok(
      "revision = \"m1\"\n"
      "down_revision = [\n"
      "    \"a1\",  # the users branch\n"
      "    # a comment line inside the list\n"
      "    'b2',\n"
      "]\n"
      "depends_on = (\n    \"d1\",\n)\n");
  EXPECT_EQ(revision.down_revisions, (Ids{"a1", "b2"}));
  EXPECT_EQ(revision.depends_on, (Ids{"d1"}));
}

TEST(PythonMigration, BareTupleAndParenthesizedString) {
  EXPECT_EQ(parse_ok("revision = 'm'\ndown_revision = 'a', 'b'\n").down_revisions, (Ids{"a", "b"}));
  EXPECT_EQ(parse_ok("revision = 'm'\ndown_revision = ('a')\n").down_revisions, (Ids{"a"}));
}

TEST(PythonMigration, EmptyTupleEmptyStringAndNoneAreABase) {
  EXPECT_TRUE(parse_ok("revision = 'm'\ndown_revision = ()\n").down_revisions.empty());
  EXPECT_TRUE(parse_ok("revision = 'm'\ndown_revision = ''\n").down_revisions.empty());
  EXPECT_TRUE(parse_ok("revision = 'm'\ndown_revision = None\n").down_revisions.empty());
  EXPECT_TRUE(parse_ok("revision = 'm'\ndown_revision = []\n").down_revisions.empty());
}

TEST(PythonMigration, StringPrefixesAndEscapes) {
  const Revision revision =
      parse_ok("revision = r'abc'\ndown_revision = u\"p1\"\nbranch_labels = ('it\\'s',)\n");
  EXPECT_EQ(revision.id, "abc");
  EXPECT_EQ(revision.down_revisions, (Ids{"p1"}));
  EXPECT_EQ(revision.branch_labels, (Ids{"it's"}));
}

TEST(PythonMigration, HashInsideStringIsNotAComment) {
  const Revision revision = parse_ok(
      "revision = \"a#1\"  # trailing comment\ndown_revision = None  # base\n"
      "branch_labels = ('x#y',)\n");
  EXPECT_EQ(revision.id, "a#1");
  EXPECT_EQ(revision.branch_labels, (Ids{"x#y"}));
}

TEST(PythonMigration, AssignmentInsideTripleQuotedStringIsIgnored) {
  const Revision revision = parse_ok(
      "\"\"\"Doc\nrevision = 'fake'\n\"\"\"\nrevision = 'real'\ndown_revision = None\n"
      "NOTE = '''\ndown_revision = 'fake'\n'''\n");
  EXPECT_EQ(revision.id, "real");
  EXPECT_TRUE(revision.down_revisions.empty());
}

TEST(PythonMigration, CompoundStatementBodiesAreNotModuleLevel) {
  const Revision revision = parse_ok(
      "revision = 'r'\ndown_revision = None\n"
      "if False:\n    down_revision = 'x'\n"
      "if False: down_revision = 'y'; depends_on = 'z'\n"
      "class A:\n    revision = 'q'\n");
  EXPECT_EQ(revision.id, "r");
  EXPECT_TRUE(revision.down_revisions.empty());
  EXPECT_TRUE(revision.depends_on.empty());
}

TEST(PythonMigration, SemicolonsAndBackslashContinuations) {
  const Revision revision = parse_ok("import os; revision = 'r2'\ndown_revision = \\\n    'r1'\n");
  EXPECT_EQ(revision.id, "r2");
  EXPECT_EQ(revision.down_revisions, (Ids{"r1"}));
}

TEST(PythonMigration, LastModuleLevelAssignmentWins) {
  EXPECT_EQ(parse_ok("revision = 'a'\nrevision = 'b'\ndown_revision = None\n").id, "b");
}

TEST(PythonMigration, AnnotationWithoutValueIsNotAnAssignment) {
  EXPECT_EQ(parse_ok("revision: str\nrevision: str = 'v'\ndown_revision: str | None = None\n").id,
            "v");
}

TEST(PythonMigration, AdjacentStringsConcatenate) {
  EXPECT_EQ(parse_ok("revision = ('abc'\n    'def')\ndown_revision = None\n").id, "abcdef");
}

TEST(PythonMigration, DuplicateParentsCollapseLikeAlembicSets) {
  EXPECT_EQ(parse_ok("revision = 'm'\ndown_revision = ('a', 'a')\n").down_revisions, (Ids{"a"}));
}

// --- the message (Alembic 1.8's Script.doc: docstring stripped, cut at the first "\n\n") ---

TEST(PythonMigration, MessageIsFirstParagraphOfStrippedDocstring) {
  EXPECT_EQ(parse_ok("\"\"\"\n   Indented first line\n   second line\n\n   third\n   \"\"\"\n"
                     "revision = 'c'\ndown_revision = None\n")
                .message,
            "Indented first line\n   second line");
}

TEST(PythonMigration, EmptyMessageFallsThroughToRevisionLinesLikeAlembic) {
  EXPECT_EQ(parse_ok("\"\"\"\n\nRevision ID: b2\nRevises: a1\nCreate Date: 2026\n\n\"\"\"\n"
                     "revision = 'b2'\ndown_revision = 'a1'\n")
                .message,
            "Revision ID: b2\nRevises: a1\nCreate Date: 2026");
}

TEST(PythonMigration, WhitespaceOnlyLineDoesNotEndTheParagraph) {
  EXPECT_EQ(parse_ok("\"\"\"First\n \nstill first\n\nsecond\"\"\"\nrevision = 'k'\n"
                     "down_revision = None\n")
                .message,
            "First\n \nstill first");
}

TEST(PythonMigration, DocstringEscapesAndRawStrings) {
  EXPECT_EQ(parse_ok("\"\"\"Tab\\there \\x41 \\u00e9 \\q\"\"\"\nrevision = 'f'\n"
                     "down_revision = None\n")
                .message,
            "Tab\there A \xC3\xA9 \\q");
  EXPECT_EQ(parse_ok("r'''Raw \\n kept'''\nrevision = 'e'\ndown_revision = None\n").message,
            "Raw \\n kept");
}

TEST(PythonMigration, DocstringAfterCodingCommentAndCrlf) {
  EXPECT_EQ(parse_ok("# -*- coding: utf-8 -*-\r\n\"\"\"CRLF doc\r\nline two\r\n\r\nRest\"\"\"\r\n"
                     "revision = 'h'\r\ndown_revision = None\r\n")
                .message,
            "CRLF doc\nline two");
}

TEST(PythonMigration, NoDocstringWhenFirstStatementIsCode) {
  EXPECT_EQ(parse_ok("import os\n\"\"\"Not a docstring\"\"\"\nrevision = 'j'\n"
                     "down_revision = None\n")
                .message,
            "");
  EXPECT_EQ(parse_ok("b'''bytes'''\nrevision = 'm'\ndown_revision = None\n").message, "");
}

TEST(PythonMigration, UnicodeWhitespaceIsStrippedLikePython) {
  EXPECT_EQ(
      parse_ok("u\"\"\"  Prefix\xC2\xA0\n\n\"\"\"\nrevision = 'i'\ndown_revision = None\n").message,
      "Prefix");
}

// --- errors ------------------------------------------------------------------------------

TEST(PythonMigration, MissingRevisionUsesAlembicsMessage) {
  EXPECT_EQ(parse_error("\"\"\"Doc\"\"\"\ndown_revision = None\n", "0001_init.py"),
            "0001_init.py:1: Could not determine revision id from filename 0001_init.py. Be "
            "sure the 'revision' variable is declared inside the script");
}

TEST(PythonMigration, IndentedRevisionOnlyStillCountsAsMissing) {
  const std::string message =
      parse_error("down_revision = None\ndef upgrade():\n    revision = 'x'\n", "x_up.py");
  EXPECT_EQ(message.rfind("x_up.py:1: Could not determine revision id", 0), 0u) << message;
}

TEST(PythonMigration, LegacyHexFileNameSuppliesTheRevision) {
  const Revision revision = parse_ok("down_revision = None\n", "versions/1975ea83b712.py");
  EXPECT_EQ(revision.id, "1975ea83b712");
}

TEST(PythonMigration, MissingDownRevisionIsAnError) {
  EXPECT_EQ(parse_error("\n\nrevision = 'abc'\n"),
            "rev.py:3: revision abc has no down_revision assignment (write down_revision = "
            "None for a base revision)");
}

TEST(PythonMigration, FunctionCallValueNamesVariableAndLine) {
  EXPECT_EQ(parse_error("revision = 'a'\n\ndown_revision = get_parent('x')\n"),
            "rev.py:3: down_revision = get_parent('x') is not None, a string, or a tuple or "
            "list of strings (the agent reads literals and never runs Python)");
}

TEST(PythonMigration, NumberRevisionIsNotAString) {
  EXPECT_EQ(parse_error("revision = 1736000000\ndown_revision = None\n"),
            "rev.py:1: revision = 1736000000 is not None, a string, or a tuple or list of "
            "strings (the agent reads literals and never runs Python)");
}

TEST(PythonMigration, NoneRevisionIsAnError) {
  EXPECT_EQ(parse_error("revision = None\ndown_revision = None\n"),
            "rev.py:1: revision must be a string");
}

TEST(PythonMigration, FStringsBytesAndNamesAreNotLiterals) {
  EXPECT_EQ(parse_error("revision = f'{x}'\n").rfind("rev.py:1: revision = f'{x}' is not", 0), 0u);
  EXPECT_EQ(parse_error("revision = 'a'\ndown_revision = b'x'\n")
                .rfind("rev.py:2: down_revision = b'x' is not", 0),
            0u);
  EXPECT_EQ(parse_error("revision = 'a'\ndown_revision = PARENT\n")
                .rfind("rev.py:2: down_revision = PARENT is not", 0),
            0u);
  EXPECT_EQ(parse_error("revision = 'a'\ndown_revision = ('x', None)\n")
                .rfind("rev.py:2: down_revision = ('x', None) is not", 0),
            0u);
}

TEST(PythonMigration, AugmentedAssignmentIsAnError) {
  EXPECT_EQ(parse_error("revision = 'a'\nrevision += 'b'\ndown_revision = None\n"),
            "rev.py:2: revision is changed with '+='; the agent reads only literal assignments");
}

TEST(PythonMigration, IllegalCharactersInIds) {
  EXPECT_EQ(parse_error("revision = 'add-phone'\ndown_revision = None\n"),
            "rev.py:1: revision: Character(s) '-' not allowed in revision identifier "
            "'add-phone'");
  EXPECT_EQ(parse_error("revision = 'a'\ndown_revision = ('b', 'c d')\n"),
            "rev.py:2: down_revision: Character(s) 'whitespace' not allowed in revision "
            "identifier 'c d'");
  EXPECT_EQ(parse_error("revision = 'a'\ndown_revision = None\ndepends_on = 'x@head'\n"),
            "rev.py:3: depends_on: Character(s) '@' not allowed in revision identifier "
            "'x@head'");
  EXPECT_EQ(parse_error("revision = 'a,b'\ndown_revision = None\n"),
            "rev.py:1: revision: Character(s) ',' not allowed in revision identifier 'a,b'");
}

TEST(PythonMigration, SelfReferenceIsAlembicsSelfLoop) {
  EXPECT_EQ(parse_error("revision = 'abc'\ndown_revision = ('x', 'abc')\n"),
            "rev.py:2: Self-loop is detected in revisions (abc)");
  EXPECT_EQ(parse_error("revision = 'abc'\ndown_revision = None\ndepends_on = ['abc']\n"),
            "rev.py:3: Dependency self-loop is detected in revisions (abc)");
}

TEST(PythonMigration, NonUtf8FileIsAnError) {
  EXPECT_EQ(parse_error("\"\"\"Caf\xE9\"\"\"\nrevision = 'a'\n"),
            "rev.py:1: file is not valid UTF-8 (byte 0xe9 at offset 6)");
}

TEST(PythonMigration, UnterminatedStringNamesItsLine) {
  EXPECT_EQ(parse_error("revision = 'a'\n\ndown_revision = 'oops\n"),
            "rev.py:3: unterminated string literal");
  EXPECT_EQ(parse_error("\"\"\"never closed\nrevision = 'a'\n"),
            "rev.py:1: unterminated string literal");
}

}  // namespace
}  // namespace magent::core
