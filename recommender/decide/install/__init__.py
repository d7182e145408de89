"""The install planner's newer parts: target machines from flags, container ways out, mirrors."""
