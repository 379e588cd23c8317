/* libclang, loaded on first use (analysis/clang_api.c).
 *
 * The C and C++ frontend calls libclang 14 through this table rather than
 * linking it: libclang pulls in libLLVM, whose load and relocation cost every
 * process that links liblmkv about 95 ms of CPU and 58 MB of resident memory
 * at start, whether or not it ever reads a C file (measured on `lmkv query`,
 * which reads none). With the table, only a process that analyses C or C++
 * pays, once.
 *
 * Every function clang.c calls is listed in LMKV_CLANG_FUNCS; including this
 * header after clang-c/Index.h makes each clang_X name a call through
 * lmkv_analysis__clang.X. Call lmkv_analysis__clang_load() first and use the
 * table only when it returned LMKV_OK. */
#ifndef LMKV_ANALYSIS_CLANG_API_H
#define LMKV_ANALYSIS_CLANG_API_H

#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>

#define LMKV_CLANG_FUNCS(X) \
    X(clang_CXXMethod_isVirtual) X(clang_CompilationDatabase_dispose) \
    X(clang_CompilationDatabase_fromDirectory) X(clang_CompilationDatabase_getCompileCommands) \
    X(clang_CompileCommand_getArg) X(clang_CompileCommand_getDirectory) X(clang_CompileCommand_getNumArgs) \
    X(clang_CompileCommands_dispose) X(clang_CompileCommands_getCommand) X(clang_CompileCommands_getSize) \
    X(clang_Cursor_getNumArguments) X(clang_Cursor_getStorageClass) X(clang_Cursor_isMacroBuiltin) \
    X(clang_Cursor_isMacroFunctionLike) X(clang_Cursor_isNull) X(clang_File_isEqual) X(clang_createIndex) \
    X(clang_disposeDiagnostic) X(clang_disposeIndex) X(clang_disposeString) X(clang_disposeTranslationUnit) \
    X(clang_equalCursors) X(clang_equalLocations) X(clang_getCString) X(clang_getClangVersion) \
    X(clang_getCursorDisplayName) X(clang_getCursorExtent) X(clang_getCursorKind) X(clang_getCursorLocation) \
    X(clang_getCursorReferenced) X(clang_getCursorResultType) X(clang_getCursorSemanticParent) \
    X(clang_getCursorSpelling) X(clang_getCursorType) X(clang_getDiagnostic) X(clang_getDiagnosticSeverity) \
    X(clang_getFile) X(clang_getFileLocation) X(clang_getNumDiagnostics) X(clang_getRangeEnd) \
    X(clang_getRangeStart) X(clang_getSpellingLocation) X(clang_getTranslationUnitCursor) \
    X(clang_getTypeSpelling) X(clang_getTypedefDeclUnderlyingType) X(clang_isCursorDefinition) \
    X(clang_isDeclaration) X(clang_isInvalid) X(clang_parseTranslationUnit2) X(clang_saveTranslationUnit) X(clang_visitChildren)

struct lmkv_analysis__clang_fns {
#define LMKV_CLANG_FIELD(name) __typeof__(name) *name;
    LMKV_CLANG_FUNCS(LMKV_CLANG_FIELD)
#undef LMKV_CLANG_FIELD
};

/* The table; filled once by lmkv_analysis__clang_load, read-only after. */
extern struct lmkv_analysis__clang_fns lmkv_analysis__clang;

/* Loads libclang once per process (pthread_once; thread-safe): the file
 * named by $LMKV_LIBCLANG if set, else the libclang 14 the build was
 * configured with (LMKV_LIBCLANG_PATH, Debian's
 * /usr/lib/llvm-14/lib/libclang-14.so.1), else "libclang-14.so.1" through
 * the dynamic loader's search path. Returns LMKV_OK, or LMKV_EUNSUPPORTED
 * with lmkv_errmsg() set to lmkv_analysis__clang_why() on every call after a
 * failure (a missing file or a missing function). */
int lmkv_analysis__clang_load(void);

/* Why the load failed ("" if it did not, or has not been tried): a static
 * string, valid for the life of the process. */
const char *lmkv_analysis__clang_why(void);

#ifndef LMKV_CLANG_API_IMPL
#define LMKV_CLANG_CALL(name) (lmkv_analysis__clang.name)
#define clang_CXXMethod_isVirtual LMKV_CLANG_CALL(clang_CXXMethod_isVirtual)
#define clang_CompilationDatabase_dispose LMKV_CLANG_CALL(clang_CompilationDatabase_dispose)
#define clang_CompilationDatabase_fromDirectory LMKV_CLANG_CALL(clang_CompilationDatabase_fromDirectory)
#define clang_CompilationDatabase_getCompileCommands LMKV_CLANG_CALL(clang_CompilationDatabase_getCompileCommands)
#define clang_CompileCommand_getArg LMKV_CLANG_CALL(clang_CompileCommand_getArg)
#define clang_CompileCommand_getDirectory LMKV_CLANG_CALL(clang_CompileCommand_getDirectory)
#define clang_CompileCommand_getNumArgs LMKV_CLANG_CALL(clang_CompileCommand_getNumArgs)
#define clang_CompileCommands_dispose LMKV_CLANG_CALL(clang_CompileCommands_dispose)
#define clang_CompileCommands_getCommand LMKV_CLANG_CALL(clang_CompileCommands_getCommand)
#define clang_CompileCommands_getSize LMKV_CLANG_CALL(clang_CompileCommands_getSize)
#define clang_Cursor_getNumArguments LMKV_CLANG_CALL(clang_Cursor_getNumArguments)
#define clang_Cursor_getStorageClass LMKV_CLANG_CALL(clang_Cursor_getStorageClass)
#define clang_Cursor_isMacroBuiltin LMKV_CLANG_CALL(clang_Cursor_isMacroBuiltin)
#define clang_Cursor_isMacroFunctionLike LMKV_CLANG_CALL(clang_Cursor_isMacroFunctionLike)
#define clang_Cursor_isNull LMKV_CLANG_CALL(clang_Cursor_isNull)
#define clang_File_isEqual LMKV_CLANG_CALL(clang_File_isEqual)
#define clang_createIndex LMKV_CLANG_CALL(clang_createIndex)
#define clang_disposeDiagnostic LMKV_CLANG_CALL(clang_disposeDiagnostic)
#define clang_disposeIndex LMKV_CLANG_CALL(clang_disposeIndex)
#define clang_disposeString LMKV_CLANG_CALL(clang_disposeString)
#define clang_disposeTranslationUnit LMKV_CLANG_CALL(clang_disposeTranslationUnit)
#define clang_equalCursors LMKV_CLANG_CALL(clang_equalCursors)
#define clang_equalLocations LMKV_CLANG_CALL(clang_equalLocations)
#define clang_getCString LMKV_CLANG_CALL(clang_getCString)
#define clang_getClangVersion LMKV_CLANG_CALL(clang_getClangVersion)
#define clang_getCursorDisplayName LMKV_CLANG_CALL(clang_getCursorDisplayName)
#define clang_getCursorExtent LMKV_CLANG_CALL(clang_getCursorExtent)
#define clang_getCursorKind LMKV_CLANG_CALL(clang_getCursorKind)
#define clang_getCursorLocation LMKV_CLANG_CALL(clang_getCursorLocation)
#define clang_getCursorReferenced LMKV_CLANG_CALL(clang_getCursorReferenced)
#define clang_getCursorResultType LMKV_CLANG_CALL(clang_getCursorResultType)
#define clang_getCursorSemanticParent LMKV_CLANG_CALL(clang_getCursorSemanticParent)
#define clang_getCursorSpelling LMKV_CLANG_CALL(clang_getCursorSpelling)
#define clang_getCursorType LMKV_CLANG_CALL(clang_getCursorType)
#define clang_getDiagnostic LMKV_CLANG_CALL(clang_getDiagnostic)
#define clang_getDiagnosticSeverity LMKV_CLANG_CALL(clang_getDiagnosticSeverity)
#define clang_getFile LMKV_CLANG_CALL(clang_getFile)
#define clang_getFileLocation LMKV_CLANG_CALL(clang_getFileLocation)
#define clang_getNumDiagnostics LMKV_CLANG_CALL(clang_getNumDiagnostics)
#define clang_getRangeEnd LMKV_CLANG_CALL(clang_getRangeEnd)
#define clang_getRangeStart LMKV_CLANG_CALL(clang_getRangeStart)
#define clang_getSpellingLocation LMKV_CLANG_CALL(clang_getSpellingLocation)
#define clang_getTranslationUnitCursor LMKV_CLANG_CALL(clang_getTranslationUnitCursor)
#define clang_getTypeSpelling LMKV_CLANG_CALL(clang_getTypeSpelling)
#define clang_getTypedefDeclUnderlyingType LMKV_CLANG_CALL(clang_getTypedefDeclUnderlyingType)
#define clang_isCursorDefinition LMKV_CLANG_CALL(clang_isCursorDefinition)
#define clang_isDeclaration LMKV_CLANG_CALL(clang_isDeclaration)
#define clang_isInvalid LMKV_CLANG_CALL(clang_isInvalid)
#define clang_parseTranslationUnit2 LMKV_CLANG_CALL(clang_parseTranslationUnit2)
#define clang_saveTranslationUnit LMKV_CLANG_CALL(clang_saveTranslationUnit)
#define clang_visitChildren LMKV_CLANG_CALL(clang_visitChildren)
#endif

#endif
