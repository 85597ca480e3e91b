"""Personal housing loans (个人住房贷款): the pure mathematics, no I/O (rules.md §5).

schedule     repayment schedules (还款计划), repricing on 1 January, prepayment (提前还款)
combination  combination loans (组合贷款): the HPF part beside the bank's commercial part
limit        the loan limit (贷款额度) and the eligibility checks (贷款条件), each naming its rule
delinquency  overdue days (逾期天数), penalty interest (罚息), payment allocation, five-tier classification
"""
