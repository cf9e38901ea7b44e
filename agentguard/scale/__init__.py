"""Checking many inputs at once.

Worker processes on one machine (`pool`), the jobs they run (`check_job`, `case_job`), and Ray
for a cluster (`agentguard.scale.ray`, extra `ray`).
"""
