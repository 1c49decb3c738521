//! Declarations: top level, parser and control locals, tables.

use super::{Failed, PResult, Parser};
use crate::ast::*;
use crate::lexer::{Punct, Tok};

impl Parser<'_> {
    pub(crate) fn top_decl(&mut self) -> PResult<Decl> {
        let annotations = self.annotations()?;
        let t = self.peek().clone();
        let Tok::Ident(w) = &t.tok else {
            if matches!(t.tok, Tok::P(Punct::Dot)) {
                return self.typed_decl(annotations, true);
            }
            return self.expected("a declaration");
        };
        match w.as_str() {
            "const" => Ok(Decl::Const(self.const_decl(annotations)?)),
            "header" => self.struct_decl(annotations, StructKind::Header),
            "header_union" => self.struct_decl(annotations, StructKind::HeaderUnion),
            "struct" => self.struct_decl(annotations, StructKind::Struct),
            "enum" => self.enum_decl(annotations),
            "typedef" | "type" if !self.is_punct_at(1, Punct::Assign) => {
                self.typedef_decl(annotations)
            }
            "error" if self.is_punct_at(1, Punct::LBrace) => {
                self.bump();
                let (ids, span) = self.ident_list_braced()?;
                Ok(Decl::Error(ids, t.span.to(span)))
            }
            "match_kind" if self.is_punct_at(1, Punct::LBrace) => {
                self.bump();
                let (ids, span) = self.ident_list_braced()?;
                Ok(Decl::MatchKind(ids, t.span.to(span)))
            }
            "extern" => self.extern_decl(annotations),
            "parser" => self.parser_decl(annotations),
            "control" => self.control_decl(annotations),
            "package" => {
                self.bump();
                let sig = self.type_sig(annotations, t.span)?;
                self.expect_punct(Punct::Semi)?;
                Ok(Decl::Package(sig))
            }
            "action" => Ok(Decl::Action(self.action_decl(annotations)?)),
            "table" => Ok(Decl::Table(self.table_decl(annotations)?)),
            "value_set" => Ok(Decl::ValueSet(self.value_set_decl(annotations)?)),
            _ => self.typed_decl(annotations, true),
        }
    }

    /// Declarations that start with a type: instantiation `T(args) x;`, function
    /// `T f(params) {..}`, variable `T x [= e];`.
    fn typed_decl(&mut self, annotations: Vec<Annotation>, allow_function: bool) -> PResult<Decl> {
        let start = self.peek().span;
        let ty = self.ty()?;
        if self.is_punct(Punct::LParen) {
            let args = self.args()?;
            let name = self.ident()?;
            let initializer = if self.eat_punct(Punct::Assign) {
                self.expect_punct(Punct::LBrace)?;
                let mut decls = Vec::new();
                while !self.is_punct(Punct::RBrace) {
                    if self.at_eof() {
                        return self.expected("'}'");
                    }
                    decls.push(self.top_decl()?);
                }
                self.expect_punct(Punct::RBrace)?;
                Some(decls)
            } else {
                None
            };
            self.expect_punct(Punct::Semi)?;
            return Ok(Decl::Instantiation(Instantiation {
                annotations,
                ty,
                args,
                name,
                initializer,
                span: start.to(self.prev_span()),
            }));
        }
        let name = self.ident()?;
        if allow_function && (self.is_punct(Punct::LParen) || self.is_punct(Punct::Lt)) {
            let type_params = self.opt_type_params()?;
            let params = self.params()?;
            let proto = FunctionProto {
                annotations,
                ret: Some(ty),
                name,
                type_params,
                params,
                is_abstract: false,
                span: start.to(self.prev_span()),
            };
            let body = self.block(Vec::new())?;
            return Ok(Decl::Function(FunctionDecl {
                proto,
                body,
                span: start.to(self.prev_span()),
            }));
        }
        let init = if self.eat_punct(Punct::Assign) {
            Some(self.expr()?)
        } else {
            None
        };
        self.expect_punct(Punct::Semi)?;
        Ok(Decl::Var(VarDecl {
            annotations,
            ty,
            name,
            init,
            span: start.to(self.prev_span()),
        }))
    }

    fn ident_list_braced(&mut self) -> PResult<(Vec<Ident>, crate::diag::Span)> {
        self.expect_punct(Punct::LBrace)?;
        let mut ids = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            ids.push(self.member_name()?);
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok((ids, close))
    }

    fn struct_decl(&mut self, annotations: Vec<Annotation>, kind: StructKind) -> PResult<Decl> {
        let start = self.bump().span;
        let name = self.ident()?;
        self.declare_type(&name.name);
        let type_params = self.opt_type_params()?;
        self.expect_punct(Punct::LBrace)?;
        let mut fields = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            if self.at_eof() {
                return self.expected("'}'");
            }
            let annotations = self.annotations()?;
            let ty = self.ty()?;
            let fname = self.member_name()?;
            self.expect_punct(Punct::Semi)?;
            fields.push(Field {
                annotations,
                ty,
                name: fname,
            });
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(Decl::Struct(StructDecl {
            annotations,
            kind,
            name,
            type_params,
            fields,
            span: start.to(close),
        }))
    }

    fn enum_decl(&mut self, annotations: Vec<Annotation>) -> PResult<Decl> {
        let start = self.bump().span;
        let underlying =
            if matches!(self.peek().tok, Tok::Ident(_)) && self.is_punct_at(1, Punct::LBrace) {
                None
            } else {
                Some(self.ty()?)
            };
        let name = self.ident()?;
        self.declare_type(&name.name);
        self.expect_punct(Punct::LBrace)?;
        let mut members = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            let m = self.member_name()?;
            let v = if self.eat_punct(Punct::Assign) {
                Some(self.expr()?)
            } else {
                None
            };
            members.push((m, v));
            if !self.eat_punct(Punct::Comma) {
                break;
            }
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(Decl::Enum(EnumDecl {
            annotations,
            underlying,
            name,
            members,
            span: start.to(close),
        }))
    }

    fn typedef_decl(&mut self, annotations: Vec<Annotation>) -> PResult<Decl> {
        let kw = self.bump();
        let newtype = matches!(&kw.tok, Tok::Ident(s) if s == "type");
        let ty = self.ty()?;
        let name = self.ident()?;
        self.declare_type(&name.name);
        self.expect_punct(Punct::Semi)?;
        Ok(Decl::Typedef(TypedefDecl {
            annotations,
            newtype,
            ty,
            name,
            span: kw.span.to(self.prev_span()),
        }))
    }

    fn extern_decl(&mut self, annotations: Vec<Annotation>) -> PResult<Decl> {
        let start = self.bump().span;
        let inner_annotations = self.annotations()?;
        let mut annotations = annotations;
        annotations.extend(inner_annotations);
        let is_object = matches!(&self.peek().tok, Tok::Ident(s) if !is_reserved(s))
            && (self.is_punct_at(1, Punct::LBrace) || self.at_generic_extern_object());
        if !is_object {
            let proto = self.function_proto(annotations, false)?;
            self.expect_punct(Punct::Semi)?;
            return Ok(Decl::ExternFunction(proto));
        }
        let name = self.ident()?;
        self.declare_type(&name.name);
        let type_params = self.opt_type_params()?;
        self.expect_punct(Punct::LBrace)?;
        let mut methods = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            if self.at_eof() {
                return self.expected("'}'");
            }
            let m_annotations = self.annotations()?;
            let is_abstract = self.eat_word("abstract");
            let ctor = matches!(&self.peek().tok, Tok::Ident(s) if *s == name.name)
                && self.is_punct_at(1, Punct::LParen);
            let proto = if ctor {
                let mstart = self.peek().span;
                let cname = self.ident()?;
                let params = self.params()?;
                FunctionProto {
                    annotations: m_annotations,
                    ret: None,
                    name: cname,
                    type_params: Vec::new(),
                    params,
                    is_abstract,
                    span: mstart.to(self.prev_span()),
                }
            } else {
                self.function_proto(m_annotations, is_abstract)?
            };
            self.expect_punct(Punct::Semi)?;
            methods.push(proto);
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(Decl::Extern(ExternDecl {
            annotations,
            name,
            type_params,
            methods,
            span: start.to(close),
        }))
    }

    /// `name <A, B> {`: an extern object with type parameters (as opposed to a function whose
    /// return type has type arguments).
    fn at_generic_extern_object(&self) -> bool {
        if !self.is_punct_at(1, Punct::Lt) {
            return false;
        }
        let mut j = 2;
        loop {
            if !matches!(self.peek_at(j).tok, Tok::Ident(_)) {
                return false;
            }
            if self.is_punct_at(j + 1, Punct::Comma) {
                j += 2;
            } else {
                return self.is_punct_at(j + 1, Punct::Gt)
                    && self.is_punct_at(j + 2, Punct::LBrace);
            }
        }
    }

    /// `RetType name<T>(params)`. Type parameters are declared before the return type is read
    /// (`T f<T>(..)` is legal), so look ahead for them first.
    fn function_proto(
        &mut self,
        annotations: Vec<Annotation>,
        is_abstract: bool,
    ) -> PResult<FunctionProto> {
        let start = self.peek().span;
        self.predeclare_function_type_params();
        let ret = self.ty()?;
        let name = self.member_name()?;
        let type_params = self.opt_type_params()?;
        let params = self.params()?;
        Ok(FunctionProto {
            annotations,
            ret: Some(ret),
            name,
            type_params,
            params,
            is_abstract,
            span: start.to(self.prev_span()),
        })
    }

    /// Scans ahead to the `name<...>(` of a prototype and declares the type parameters.
    fn predeclare_function_type_params(&mut self) {
        let mut i = 0;
        let mut depth = 0usize;
        while i < 64 {
            match &self.peek_at(i).tok {
                Tok::P(Punct::Lt) => depth += 1,
                Tok::P(Punct::Gt) => depth = depth.saturating_sub(1),
                Tok::Ident(_) if depth == 0 && self.is_punct_at(i + 1, Punct::Lt) && i > 0 => {
                    // Candidate `name <T, U> (`.
                    let mut j = i + 2;
                    let mut names = Vec::new();
                    while let Tok::Ident(s) = &self.peek_at(j).tok {
                        names.push(s.clone());
                        if self.is_punct_at(j + 1, Punct::Comma) {
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    if self.is_punct_at(j + 1, Punct::Gt) && self.is_punct_at(j + 2, Punct::LParen)
                    {
                        for n in names {
                            self.declare_type(&n);
                        }
                        return;
                    }
                }
                Tok::P(Punct::LParen) | Tok::P(Punct::Semi) | Tok::Eof => return,
                _ => {}
            }
            i += 1;
        }
    }

    fn type_sig(
        &mut self,
        annotations: Vec<Annotation>,
        start: crate::diag::Span,
    ) -> PResult<TypeDeclSig> {
        let name = self.ident()?;
        self.declare_type(&name.name);
        let type_params = self.opt_type_params()?;
        let params = self.params()?;
        Ok(TypeDeclSig {
            annotations,
            name,
            type_params,
            params,
            span: start.to(self.prev_span()),
        })
    }

    fn parser_decl(&mut self, annotations: Vec<Annotation>) -> PResult<Decl> {
        let start = self.bump().span;
        let sig = self.type_sig(annotations, start)?;
        if self.eat_punct(Punct::Semi) {
            return Ok(Decl::ParserType(sig));
        }
        let ctor_params = if self.is_punct(Punct::LParen) {
            Some(self.params()?)
        } else {
            None
        };
        self.expect_punct(Punct::LBrace)?;
        let mut locals = Vec::new();
        let mut states = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            if self.at_eof() {
                return self.expected("'}'");
            }
            let before = self.pos;
            let r = (|| -> PResult<()> {
                let annotations = self.annotations()?;
                if self.is_word("state") && !self.is_punct_at(1, Punct::Assign) {
                    states.push(self.parser_state(annotations)?);
                } else {
                    locals.push(self.local_decl(annotations)?);
                }
                Ok(())
            })();
            if r.is_err() {
                self.recover();
                if self.pos == before {
                    self.bump();
                }
            }
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(Decl::Parser(ParserDecl {
            sig,
            ctor_params,
            locals,
            states,
            span: start.to(close),
        }))
    }

    fn parser_state(&mut self, annotations: Vec<Annotation>) -> PResult<ParserState> {
        let start = self.expect_word("state")?;
        let name = self.ident()?;
        self.expect_punct(Punct::LBrace)?;
        let mut body = Vec::new();
        let mut transition = None;
        while !self.is_punct(Punct::RBrace) {
            if self.at_eof() {
                return self.expected("'}'");
            }
            if self.is_word("transition") {
                let tstart = self.bump().span;
                if self.is_word("select") {
                    self.bump();
                    self.expect_punct(Punct::LParen)?;
                    let mut exprs = Vec::new();
                    while !self.is_punct(Punct::RParen) {
                        exprs.push(self.expr()?);
                        if !self.eat_punct(Punct::Comma) {
                            break;
                        }
                    }
                    self.expect_punct(Punct::RParen)?;
                    self.expect_punct(Punct::LBrace)?;
                    let mut cases = Vec::new();
                    while !self.is_punct(Punct::RBrace) {
                        if self.at_eof() {
                            return self.expected("'}'");
                        }
                        cases.push(self.select_case()?);
                    }
                    let close = self.expect_punct(Punct::RBrace)?;
                    self.eat_punct(Punct::Semi);
                    transition = Some(Transition::Select {
                        exprs,
                        cases,
                        span: tstart.to(close),
                    });
                } else {
                    let p = self.path_expr()?;
                    self.expect_punct(Punct::Semi)?;
                    transition = Some(Transition::Direct(p));
                }
                if !self.is_punct(Punct::RBrace) {
                    return self.expected("'}' after the transition statement");
                }
                break;
            }
            let before = self.pos;
            match self.stmt() {
                Ok(s) => body.push(s),
                Err(Failed) => {
                    self.recover();
                    if self.pos == before {
                        self.bump();
                    }
                }
            }
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(ParserState {
            annotations,
            name,
            body,
            transition,
            span: start.to(close),
        })
    }

    fn select_case(&mut self) -> PResult<SelectCase> {
        let start = self.peek().span;
        let _annotations = self.annotations()?;
        let (keys, tuple) = self.keyset()?;
        self.expect_punct(Punct::Colon)?;
        let state = self.path_expr()?;
        self.expect_punct(Punct::Semi)?;
        Ok(SelectCase {
            keys,
            tuple,
            state,
            span: start.to(self.prev_span()),
        })
    }

    /// A keyset: `(k1, k2)` (a tuple) or a single keyset expression.
    fn keyset(&mut self) -> PResult<(Vec<Expr>, bool)> {
        if self.is_punct(Punct::LParen) {
            // A parenthesised list of keyset expressions; a single parenthesised expression
            // followed by an operator is an ordinary expression.
            let r = self.speculate(|p| {
                p.bump();
                let mut keys = Vec::new();
                loop {
                    keys.push(p.keyset_expr()?);
                    if !p.eat_punct(Punct::Comma) {
                        break;
                    }
                }
                p.expect_punct(Punct::RParen)?;
                if !p.is_punct(Punct::Colon) {
                    return Err(Failed);
                }
                Ok(keys)
            });
            if let Some(keys) = r {
                return Ok((keys, true));
            }
        }
        Ok((vec![self.keyset_expr()?], false))
    }

    fn control_decl(&mut self, annotations: Vec<Annotation>) -> PResult<Decl> {
        let start = self.bump().span;
        let sig = self.type_sig(annotations, start)?;
        if self.eat_punct(Punct::Semi) {
            return Ok(Decl::ControlType(sig));
        }
        let ctor_params = if self.is_punct(Punct::LParen) {
            Some(self.params()?)
        } else {
            None
        };
        self.expect_punct(Punct::LBrace)?;
        let mut locals = Vec::new();
        let body;
        loop {
            if self.at_eof() {
                return self.expected("'apply' block");
            }
            if self.is_punct(Punct::RBrace) {
                let t = self.peek().clone();
                self.error_at(t.span, "expected an 'apply' block in the control");
                return Err(Failed);
            }
            let before = self.pos;
            let annotations = match self.annotations() {
                Ok(a) => a,
                Err(Failed) => {
                    self.recover();
                    continue;
                }
            };
            if self.is_word("apply") && self.is_punct_at(1, Punct::LBrace) {
                self.bump();
                body = self.block(annotations)?;
                break;
            }
            match self.local_decl(annotations) {
                Ok(d) => locals.push(d),
                Err(Failed) => {
                    self.recover();
                    if self.pos == before {
                        self.bump();
                    }
                }
            }
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(Decl::Control(ControlDecl {
            sig,
            ctor_params,
            locals,
            body,
            span: start.to(close),
        }))
    }

    /// A declaration inside a parser or control (before its states / apply block).
    fn local_decl(&mut self, annotations: Vec<Annotation>) -> PResult<Decl> {
        if self.is_word("const") {
            return Ok(Decl::Const(self.const_decl(annotations)?));
        }
        if self.is_word("action") {
            return Ok(Decl::Action(self.action_decl(annotations)?));
        }
        if self.is_word("table") {
            return Ok(Decl::Table(self.table_decl(annotations)?));
        }
        if self.is_word("value_set") {
            return Ok(Decl::ValueSet(self.value_set_decl(annotations)?));
        }
        // Nested function declarations are not P4-16, but declaring variables and instances is.
        self.typed_decl(annotations, false)
    }

    pub(crate) fn action_decl(&mut self, annotations: Vec<Annotation>) -> PResult<ActionDecl> {
        let start = self.expect_word("action")?;
        let name = self.ident()?;
        let params = self.params()?;
        let body = self.block(Vec::new())?;
        Ok(ActionDecl {
            annotations,
            name,
            params,
            body,
            span: start.to(self.prev_span()),
        })
    }

    fn value_set_decl(&mut self, annotations: Vec<Annotation>) -> PResult<ValueSetDecl> {
        let start = self.expect_word("value_set")?;
        self.expect_punct(Punct::Lt)?;
        let elem = self.ty()?;
        self.expect_punct(Punct::Gt)?;
        self.expect_punct(Punct::LParen)?;
        let size = self.expr()?;
        self.expect_punct(Punct::RParen)?;
        let name = self.ident()?;
        self.expect_punct(Punct::Semi)?;
        Ok(ValueSetDecl {
            annotations,
            elem,
            size,
            name,
            span: start.to(self.prev_span()),
        })
    }

    pub(crate) fn table_decl(&mut self, annotations: Vec<Annotation>) -> PResult<TableDecl> {
        let start = self.expect_word("table")?;
        let name = self.ident()?;
        if self.is_punct(Punct::LParen) && self.is_punct_at(1, Punct::RParen) {
            // `table t() { ... }`, from P4-16 drafts before 1.0: an empty parameter list.
            let open = self.bump().span;
            let close = self.bump().span;
            self.diags.warning(
                open.to(close),
                "obsolete empty parameter list after a table name: ignored",
            );
        }
        self.expect_punct(Punct::LBrace)?;
        let mut props = Vec::new();
        while !self.is_punct(Punct::RBrace) {
            if self.at_eof() {
                return self.expected("'}'");
            }
            props.push(self.table_prop()?);
        }
        let close = self.expect_punct(Punct::RBrace)?;
        Ok(TableDecl {
            annotations,
            name,
            props,
            span: start.to(close),
        })
    }

    fn table_prop(&mut self) -> PResult<TableProp> {
        let start = self.peek().span;
        let annotations = self.annotations()?;
        let is_const = self.eat_word("const");
        let name = self.member_name()?;
        self.expect_punct(Punct::Assign)?;
        let kind = match name.name.as_str() {
            "key" => {
                self.expect_punct(Punct::LBrace)?;
                let mut elems = Vec::new();
                while !self.is_punct(Punct::RBrace) {
                    if self.at_eof() {
                        return self.expected("'}'");
                    }
                    let kstart = self.peek().span;
                    let expr = self.expr()?;
                    self.expect_punct(Punct::Colon)?;
                    let match_kind = self.member_name()?;
                    let annotations = self.annotations()?;
                    self.expect_punct(Punct::Semi)?;
                    elems.push(KeyElement {
                        annotations,
                        expr,
                        match_kind,
                        span: kstart.to(self.prev_span()),
                    });
                }
                self.expect_punct(Punct::RBrace)?;
                TablePropKind::Key(elems)
            }
            "actions" => {
                self.expect_punct(Punct::LBrace)?;
                let mut actions = Vec::new();
                while !self.is_punct(Punct::RBrace) {
                    if self.at_eof() {
                        return self.expected("'}'");
                    }
                    let a_ann = self.annotations()?;
                    let a = self.action_ref(a_ann)?;
                    self.expect_punct(Punct::Semi)?;
                    actions.push(a);
                }
                self.expect_punct(Punct::RBrace)?;
                TablePropKind::Actions(actions)
            }
            "entries" => {
                self.expect_punct(Punct::LBrace)?;
                let mut entries = Vec::new();
                while !self.is_punct(Punct::RBrace) {
                    if self.at_eof() {
                        return self.expected("'}'");
                    }
                    entries.push(self.table_entry()?);
                }
                self.expect_punct(Punct::RBrace)?;
                TablePropKind::Entries(entries)
            }
            _ => {
                let value = self.expr()?;
                self.expect_punct(Punct::Semi)?;
                TablePropKind::Custom { name, value }
            }
        };
        // `key = {...}` etc. may be followed by a stray ';' in real programs.
        if !matches!(kind, TablePropKind::Custom { .. }) {
            self.eat_punct(Punct::Semi);
        }
        Ok(TableProp {
            annotations,
            is_const,
            kind,
            span: start.to(self.prev_span()),
        })
    }

    fn action_ref(&mut self, annotations: Vec<Annotation>) -> PResult<ActionRef> {
        let start = self.peek().span;
        let name = self.path_expr()?;
        let args = if self.is_punct(Punct::LParen) {
            Some(self.args()?)
        } else {
            None
        };
        Ok(ActionRef {
            annotations,
            name,
            args,
            span: start.to(self.prev_span()),
        })
    }

    fn table_entry(&mut self) -> PResult<TableEntry> {
        let start = self.peek().span;
        let mut annotations = self.annotations()?;
        let is_const = self.eat_word("const");
        let priority = if self.is_word("priority") && self.is_punct_at(1, Punct::Assign) {
            self.bump();
            self.bump();
            let p = self.expr()?;
            self.expect_punct(Punct::Colon)?;
            Some(p)
        } else {
            None
        };
        let (keys, tuple) = self.keyset()?;
        self.expect_punct(Punct::Colon)?;
        let action = self.action_ref(Vec::new())?;
        annotations.extend(self.annotations()?);
        self.expect_punct(Punct::Semi)?;
        Ok(TableEntry {
            annotations,
            is_const,
            priority,
            keys,
            tuple,
            action,
            span: start.to(self.prev_span()),
        })
    }
}
