// JavaAst: the Java oracle of tests/t_analysis_ts_java.py. Reads Java file
// paths on stdin, parses each with javac's own parser (JavacTask.parse, the
// com.sun.source.tree API of JDK 17; no attribution, so no classpath) and
// prints, tab-separated:
//   D path end_line name      named classes, interfaces, enums, records,
//                             annotation types, methods and constructors
//                             (named as their class, as in the source)
//   C path line column name   method invocations (this(...)/super(...)
//                             included) and `new` (anonymous classes
//                             included, enum constants' implicit ones not); name = the method or class's simple
//                             name
//   X path reason             javac reports a syntax error
// Columns are 1-based bytes (UTF-8). Run as `java JavaAst.java`.
import com.sun.source.tree.*;
import com.sun.source.util.*;
import javax.tools.*;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class JavaAst {
    public static void main(String[] args) throws Exception {
        JavaCompiler jc = ToolProvider.getSystemJavaCompiler();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        String path;
        while ((path = in.readLine()) != null) {
            if (path.isEmpty()) continue;
            final String p = path;
            final String src = Files.readString(Paths.get(p), StandardCharsets.UTF_8);
            DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
            StandardJavaFileManager fm = jc.getStandardFileManager(diags, null, StandardCharsets.UTF_8);
            JavacTask task = (JavacTask) jc.getTask(null, fm, diags, List.of("-proc:none"), null,
                                                    fm.getJavaFileObjects(p));
            Iterable<? extends CompilationUnitTree> units = task.parse();
            boolean bad = false;
            for (Diagnostic<?> d : diags.getDiagnostics())
                if (d.getKind() == Diagnostic.Kind.ERROR) { out.println("X\t" + p + "\t" + d.getMessage(null).replace('\n', ' ')); bad = true; break; }
            if (bad) continue;
            final SourcePositions sp = Trees.instance(task).getSourcePositions();
            for (CompilationUnitTree cu : units) {
                final LineMap lm = cu.getLineMap();
                new TreeScanner<Void, String>() {
                    void def(Tree t, String name) {
                        long end = sp.getEndPosition(cu, t);
                        out.println("D\t" + p + "\t" + lm.getLineNumber(end - 1) + "\t" + name);
                    }
                    void call(Tree t, String name) {
                        long pos = sp.getStartPosition(cu, t);
                        int ls = src.lastIndexOf('\n', (int) pos - 1) + 1;
                        int col = src.substring(ls, (int) pos).getBytes(StandardCharsets.UTF_8).length + 1;
                        out.println("C\t" + p + "\t" + lm.getLineNumber(pos) + "\t" + col + "\t" + name);
                    }
                    String simple(Tree t) {
                        if (t instanceof ParameterizedTypeTree) t = ((ParameterizedTypeTree) t).getType();
                        if (t instanceof AnnotatedTypeTree) t = ((AnnotatedTypeTree) t).getUnderlyingType();
                        if (t instanceof IdentifierTree) return ((IdentifierTree) t).getName().toString();
                        if (t instanceof MemberSelectTree) return ((MemberSelectTree) t).getIdentifier().toString();
                        return "*";
                    }
                    @Override public Void visitClass(ClassTree t, String cls) {
                        String n = t.getSimpleName().toString();
                        if (!n.isEmpty()) def(t, n);
                        return super.visitClass(t, n.isEmpty() ? cls : n);
                    }
                    @Override public Void visitMethod(MethodTree t, String cls) {
                        String n = t.getName().toString();
                        def(t, n.equals("<init>") ? cls : n);
                        return super.visitMethod(t, cls);
                    }
                    @Override public Void visitMethodInvocation(MethodInvocationTree t, String cls) {
                        call(t, simple(t.getMethodSelect()));
                        return super.visitMethodInvocation(t, cls);
                    }
                    @Override public Void visitNewClass(NewClassTree t, String cls) {
                        // an enum constant is a NewClassTree javac makes up: no `new` in the source
                        long pos = sp.getStartPosition(cu, t);
                        if (t.getEnclosingExpression() != null || src.startsWith("new", (int) pos))
                            call(t, simple(t.getIdentifier()));
                        return super.visitNewClass(t, cls);
                    }
                }.scan(cu, "");
            }
        }
        out.flush();
    }
}
